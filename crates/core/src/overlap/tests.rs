use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

const S: i64 = 1000;
const MIN: i64 = 60 * S;
const T0: i64 = 1_795_000_000_000 - 1_795_000_000_000 % BUCKET_MS;

fn span(id: &str, repo: &str, start_min: i64, end_min: i64) -> Span {
    Span {
        id: id.into(),
        repo_owner: "octo".into(),
        repo_name: repo.into(),
        start_ms: T0 + start_min * MIN,
        end_ms: T0 + end_min * MIN,
    }
}

/// Materialized figures, as the database holds them after applying deltas.
#[derive(Default, Debug, PartialEq)]
struct Figures {
    sessions: BTreeMap<String, i64>,
    buckets: BTreeMap<(i64, String, String), (i64, i64, i64)>,
}

impl Figures {
    fn apply(&mut self, delta: &LedgerDelta) {
        for (id, seconds) in &delta.sessions {
            *self.sessions.entry(id.clone()).or_default() += seconds;
        }
        for (key, change) in &delta.buckets {
            let row = self.buckets.entry(key.clone()).or_default();
            row.0 += change.seconds;
            row.1 += change.starts;
            row.2 += change.running_in;
        }
        self.sessions.retain(|_, s| *s != 0);
        self.buckets.retain(|_, r| *r != (0, 0, 0));
    }

    /// The same figures computed from scratch.
    fn recompute(spans: &[Span]) -> Figures {
        let mut delta = LedgerDelta::default();
        let (from, to) = (i64::MIN / 4, i64::MAX / 4);
        for (i, a, b) in attribute(spans, from, to) {
            delta.add_seconds(&spans[i], a, b, 1);
        }
        for span in spans.iter().filter(|s| s.end_ms > s.start_ms) {
            delta.add_marks(span, 1);
        }
        let mut figures = Figures::default();
        figures.apply(&delta);
        figures
    }
}

#[test]
fn the_latest_start_owns_an_overlap() {
    let a = span("a", "r1", 0, 30);
    let b = span("b", "r2", 10, 20);
    let pieces = attribute(&[a.clone(), b.clone()], i64::MIN / 4, i64::MAX / 4);
    assert_eq!(
        pieces,
        vec![(0, a.start_ms, b.start_ms), (1, b.start_ms, b.end_ms), (0, b.end_ms, a.end_ms)]
    );
    assert_eq!(union_seconds(&[a, b], i64::MIN / 4, i64::MAX / 4), 30 * 60);
}

#[test]
fn equal_starts_go_to_the_larger_id_and_touching_spans_do_not_overlap() {
    let a = span("a", "r", 0, 10);
    let b = span("b", "r", 0, 10);
    let c = span("c", "r", 10, 20);
    let pieces = attribute(&[a, b.clone(), c.clone()], i64::MIN / 4, i64::MAX / 4);
    assert_eq!(pieces, vec![(1, b.start_ms, b.end_ms), (2, c.start_ms, c.end_ms)]);
}

#[test]
fn an_older_session_arriving_late_gives_the_overlap_to_the_newer_one() {
    // Desktop B worked 10:00-10:30 and synced; the laptop's 09:50-10:20 arrives a week later.
    let b = span("b", "r2", 10, 40);
    let mut ledger = Ledger::new(Vec::new());
    let mut figures = Figures::default();
    let mut delta = LedgerDelta::default();
    ledger.change(None, Some(&b), &mut delta);
    figures.apply(&delta);
    let late = span("a", "r1", 0, 30);
    let mut delta = LedgerDelta::default();
    ledger.change(None, Some(&late), &mut delta);
    // B keeps its 30 minutes; the laptop's session owns only the 10 minutes before B.
    assert_eq!(delta.sessions, BTreeMap::from([("a".to_string(), 600)]));
    figures.apply(&delta);
    assert_eq!(figures, Figures::recompute(&[b, late]));
    assert_eq!(figures.sessions.values().sum::<i64>(), 40 * 60);
}

#[test]
fn removing_a_session_gives_its_time_back_to_the_sessions_under_it() {
    let a = span("a", "r1", 0, 60);
    let b = span("b", "r2", 15, 30);
    let mut ledger = Ledger::new(Vec::new());
    let mut figures = Figures::default();
    for s in [&a, &b] {
        let mut delta = LedgerDelta::default();
        ledger.change(None, Some(s), &mut delta);
        figures.apply(&delta);
    }
    assert_eq!(figures.sessions["a"], 45 * 60);
    let mut delta = LedgerDelta::default();
    ledger.change(Some(&b), None, &mut delta);
    figures.apply(&delta);
    assert_eq!(figures, Figures::recompute(&[a]));
}

#[derive(Debug, Clone)]
enum Step {
    Add { start: i64, len: i64, repo: u8 },
    Move { which: usize, start: i64, len: i64 },
    Remove { which: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..600i64, 0..180i64, 0..3u8).prop_map(|(start, len, repo)| Step::Add { start, len, repo }),
        1 => (0..50usize, 0..600i64, 0..180i64).prop_map(|(which, start, len)| Step::Move { which, start, len }),
        1 => (0..50usize).prop_map(|which| Step::Remove { which }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Applying each change's delta, in any order of arrival, equals recomputing from scratch;
    /// the per-session figures sum to the union, and bucket seconds sum to it too.
    #[test]
    fn deltas_keep_the_figures_equal_to_a_recomputation(steps in prop::collection::vec(step(), 1..40)) {
        let mut ledger = Ledger::new(Vec::new());
        let mut live: Vec<Span> = Vec::new();
        let mut figures = Figures::default();
        for (n, step) in steps.into_iter().enumerate() {
            let mut delta = LedgerDelta::default();
            match step {
                Step::Add { start, len, repo } => {
                    let s = Span {
                        id: format!("s{n:03}"),
                        repo_owner: "Octo".into(),
                        repo_name: format!("r{repo}"),
                        start_ms: T0 + start * 17 * S,
                        end_ms: T0 + (start * 17 + len * 61) * S,
                    };
                    ledger.change(None, Some(&s), &mut delta);
                    live.push(s);
                }
                Step::Move { which, start, len } if !live.is_empty() => {
                    let i = which % live.len();
                    let before = live[i].clone();
                    let after = Span { start_ms: T0 + start * 17 * S, end_ms: T0 + (start * 17 + len * 61) * S, ..before.clone() };
                    ledger.change(Some(&before), Some(&after), &mut delta);
                    live[i] = after;
                }
                Step::Remove { which } if !live.is_empty() => {
                    let removed = live.remove(which % live.len());
                    ledger.change(Some(&removed), None, &mut delta);
                }
                _ => {}
            }
            figures.apply(&delta);
        }
        let fresh = Figures::recompute(&live);
        prop_assert_eq!(&figures, &fresh);
        let union = union_seconds(&live, i64::MIN / 4, i64::MAX / 4);
        prop_assert_eq!(figures.sessions.values().sum::<i64>(), union);
        prop_assert_eq!(figures.buckets.values().map(|r| r.0).sum::<i64>(), union);
    }
}

#[test]
fn windows_merge_when_they_touch_or_overlap() {
    let merged = merged_windows([(5, 9), (1, 3), (3, 4), (8, 12), (20, 20)].into_iter());
    assert_eq!(merged, vec![(1, 4), (5, 12)]);
}
