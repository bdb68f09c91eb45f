//! Compile-fail (`tests/ui/`) and compile-pass (`tests/pass/`) cases for the macros.
//! `TRYBUILD=overwrite cargo test -p ui-tests` re-blesses the expected `.stderr` files.
