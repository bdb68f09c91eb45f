//! trybuild cases: `tests/ui/<area>/*.rs` must fail to compile with the `.stderr` beside each;
//! `tests/pass/*.rs` must compile and run. `TRYBUILD=overwrite cargo test -p ui-tests`
//! re-blesses the `.stderr` files (review the diff).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/**/*.rs");
    t.pass("tests/pass/*.rs");
}
