//! Every `{{#include FILE:ANCHOR}}` in the book names a file that exists and an anchor that
//! the file marks with `ANCHOR:` and `ANCHOR_END:`. mdbook itself includes nothing, without
//! a warning, for an anchor that is gone, and the chapter shows an empty block.

use std::fs;
use std::path::Path;

/// Whether `code` has a line with `marker: anchor` (`ANCHOR` or `ANCHOR_END`), as mdbook
/// reads them.
fn marks(code: &str, marker: &str, anchor: &str) -> bool {
    let marker = format!("{marker}:");
    code.lines().any(|line| {
        line.find(&marker)
            .is_some_and(|at| line[at + marker.len()..].split_whitespace().next() == Some(anchor))
    })
}

#[test]
fn every_include_in_the_book_finds_its_file_and_anchor() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src");
    let mut includes = 0;
    let mut broken = Vec::new();
    for entry in fs::read_dir(&src).expect("book/src") {
        let chapter = entry.expect("a directory entry").path();
        if chapter.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = fs::read_to_string(&chapter).expect("a chapter");
        let name = chapter.file_name().unwrap().to_string_lossy();
        for (at, _) in text.match_indices("{{#include ") {
            let rest = &text[at + "{{#include ".len()..];
            let spec = rest[..rest.find("}}").expect("`}}` closes an include")].trim();
            includes += 1;
            let (file, anchor) = match spec.split_once(':') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (spec, None),
            };
            let code = match fs::read_to_string(src.join(file)) {
                Ok(code) => code,
                Err(e) => {
                    broken.push(format!("{name}: {spec}: {e}"));
                    continue;
                }
            };
            // An anchor, not a line range (`file:10:20`).
            let Some(anchor) = anchor.filter(|a| !a.starts_with(|c: char| c.is_ascii_digit()))
            else {
                continue;
            };
            for marker in ["ANCHOR", "ANCHOR_END"] {
                if !marks(&code, marker, anchor) {
                    broken.push(format!("{name}: {spec}: no `{marker}: {anchor}` in {file}"));
                }
            }
        }
    }
    assert!(includes > 0, "no includes found in {}", src.display());
    assert!(broken.is_empty(), "broken includes:\n{}", broken.join("\n"));
}
