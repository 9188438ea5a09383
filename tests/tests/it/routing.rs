//! Unknown paths get the contract's JSON error, not a platform page.

use worktime_tests::call;

#[test]
fn unknown_path_is_a_json_404() {
    let answer = call("GET", "/definitely/not/here", &[], None);
    assert_eq!(answer.status, 404);
    let body = answer.json();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}
