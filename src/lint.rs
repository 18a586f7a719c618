//! `magnetiq-gen lint`: rules that know this deployment (being written).
