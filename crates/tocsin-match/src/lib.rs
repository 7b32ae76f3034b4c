//! Tocsin's screening engine. No I/O, no async: pure functions over
//! in-memory data.
//!
//! - [`mrz`]: ICAO Doc 9303 machine-readable zones (TD1, TD2, TD3, MRV-A,
//!   MRV-B), every field and every check digit.
//! - [`name`]: name analysis (normalization, transliteration to Latin,
//!   tokens, phonetic skeletons) and the comparison of two names with an
//!   explanation.

pub mod mrz;
pub mod name;
