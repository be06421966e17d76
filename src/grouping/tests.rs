//! Engine-level tests on the project's own fixtures.
