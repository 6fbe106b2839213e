//! The one integration-test binary (the library is linked once). Tests that need
//! `../shared` or an external truth tool (dexdump, aapt, apksigner, javap, readelf,
//! openssl) are listed as *ignored*, with the reason, where it is absent (see build.rs).

mod aab_mapping;
mod architecture;
mod arsc_corpus;
mod audit_e2e;
mod audit_rules;
mod batch;
mod bounds_budget;
mod bounds_common;
mod bounds_inputs;
mod bounds_string_pool;
mod bundles;
mod common;
mod containers_corpus;
mod corpus_manifest;
mod data_access;
mod disclose;
mod dex_code;
mod dex_corpus;
mod exodus_map;
mod manifest_cmd;
mod formats_corpus;
mod golden;
mod incomplete;
mod obfuscated;
mod permission_labels;
mod permissions_db;
mod policy_accuracy;
mod policy_corpus;
mod policy_linear;
mod policy_malformed;
mod parquet;
mod policy_seeds;
mod report_html;
mod report_ci;
mod report_human;
mod report_sarif;
mod robustness;
mod sdk_corpus;
mod sensitive_apis;
mod sdk_separation;
mod signatures_db;
mod shard_auto;
mod signing_corpus;
mod versions;
