//! End-to-end tests: the real `tocsin` binary, a real store in a temporary
//! directory, and the real HTTP server on 127.0.0.1.

mod access;
mod audit;
mod backup;
mod bad_input;
mod biometrics;
mod cli;
mod cluster;
mod console;
mod crash;
mod edge;
mod events;
mod helpers;
mod hits;
mod imports;
mod infra;
mod input_rules;
mod intel;
mod leaks;
mod manifests;
mod messages;
mod metrics;
mod notices;
mod numbering;
mod postgres;
mod records;
mod refresh;
mod retention;
mod safety;
mod screening;
mod sse;
mod tls;
mod tokens;
mod units;
mod upgrades;
