//! trybuild cases: `tests/pass/` must compile and run. Compile-fail cases for the macros go in
//! `tests/ui/<area>/` when the macros land.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/pass/*.rs");
}
