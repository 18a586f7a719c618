//! Hostile tests: see tests/hostile.rs.
