//! Tidy: no source file in `crates/`, `worker/` or `extension/` grows past 600 lines (files
//! of 100 to 500 lines, one concern each, is the house style; 600 is the hard stop).
//! Generated files (the OpenAPI document, build output) are not sources.

use std::path::{Path, PathBuf};

const LIMIT: usize = 600;
const SOURCE_EXTENSIONS: &[&str] = &["rs", "js", "mjs", "ts", "css", "html", "toml", "sh", "sql"];
const SKIPPED_DIRS: &[&str] = &["target", "build", "pkg", "node_modules", ".wrangler"];

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) {
                sources(&path, found);
            }
        } else if path
            .extension()
            .is_some_and(|ext| SOURCE_EXTENSIONS.contains(&ext.to_string_lossy().as_ref()))
        {
            found.push(path);
        }
    }
}

#[test]
fn no_source_file_is_longer_than_600_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["crates", "worker", "extension"] {
        sources(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "the walk found only {} files", files.len());
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(path).ok()?.lines().count();
            let shown = path.strip_prefix(&root).unwrap_or(path).display().to_string();
            (lines > LIMIT).then(|| format!("{shown}: {lines} lines"))
        })
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "split these files (at most {LIMIT} lines each):\n{}",
        long.join("\n")
    );
}
