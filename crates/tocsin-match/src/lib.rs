//! Tocsin's screening engine. No I/O, no async: pure functions over
//! in-memory data.
//!
//! - [`mrz`]: ICAO Doc 9303 machine-readable zones (TD1, TD2, TD3, MRV-A,
//!   MRV-B), every field and every check digit.
//! - [`name`]: name analysis (normalization, transliteration to Latin,
//!   tokens, phonetic skeletons) and the comparison of two names with an
//!   explanation.
//! - [`screen`]: the in-memory index and the scoring of a screening query
//!   (names, birth dates, nationality, documents), with explanations.
//! - [`document`]: OCR-tolerant document number folding.

pub mod document;
pub mod mrz;
pub mod name;
pub mod request;
pub mod screen;
