//! The code map in `core/src/lib.rs` is a reading order: "each module only uses the ones
//! before it". This test keeps that sentence true. It reads the map's order from the doc
//! comment, then every `crate::<module>` path in the code of each module (comments
//! skipped), and fails when a module uses one that the map puts after it, or when a module
//! declared in `lib.rs` is missing from the map.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src")
}

/// The modules of the map, in order: the `//! - [`name`]` (or `` `name` ``) lines.
fn map_order(lib: &str) -> Vec<String> {
    lib.lines()
        .filter_map(|l| l.strip_prefix("//! - "))
        .filter_map(|l| {
            let l = l.trim_start_matches('[');
            let l = l.strip_prefix('`')?;
            Some(l[..l.find('`')?].to_string())
        })
        .collect()
}

/// The modules `lib.rs` declares.
fn declared(lib: &str) -> Vec<String> {
    lib.lines()
        .map(str::trim)
        .filter_map(|l| {
            l.strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))
                .and_then(|rest| rest.strip_suffix(';'))
                .map(str::to_string)
        })
        .collect()
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("readable") {
            rust_files(&entry.expect("entry").path(), out);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// `crate::x` uses in code (not in comments), with their line numbers.
fn uses(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((n + 1, name));
            }
            rest = &after[1.min(after.len())..];
        }
    }
    out
}

#[test]
fn every_module_uses_only_the_modules_the_map_lists_before_it() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    let order = map_order(&lib);
    assert!(
        order.len() >= 10,
        "the map was not found in lib.rs: {order:?}"
    );
    for module in declared(&lib) {
        assert!(
            order.contains(&module),
            "module `{module}` is declared in lib.rs but missing from its map"
        );
    }
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut wrong = Vec::new();
    for module in &order {
        let mut files = Vec::new();
        rust_files(&src().join(module), &mut files);
        rust_files(&src().join(format!("{module}.rs")), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable");
            for (line, used) in uses(&text) {
                let (Some(&u), Some(&m)) = (rank.get(used.as_str()), rank.get(module.as_str()))
                else {
                    continue;
                };
                if u > m {
                    wrong.push(format!(
                        "{}:{line}: `{module}` uses `{used}`, which the map lists after it",
                        file.strip_prefix(src()).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the reading order is false:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_scanner_sees_a_use_in_code_and_ignores_one_in_a_comment() {
    let found = uses("use crate::group::GroupState; // crate::sim is only mentioned\n");
    assert_eq!(found, vec![(1, "group".to_string())]);
    assert_eq!(
        map_order("//! - [`record`]: records\n//! - `wire`: the wire\nnot a map line"),
        vec!["record", "wire"]
    );
}
