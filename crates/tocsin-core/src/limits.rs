//! Size limits on every string and list a record may carry.
//!
//! They keep one request from costing unbounded memory or time, and they are
//! documented in the README so clients can check before sending.

/// Characters in one name form.
pub const NAME_CHARS: usize = 1_000;
/// Name forms on one record.
pub const NAMES: usize = 100;
/// Characters in a free-text field (instructions, birth place).
pub const TEXT_CHARS: usize = 2_000;
/// Entries in a list of countries, dates, documents or tags.
pub const LIST_ITEMS: usize = 300;
/// Characters in a tag.
pub const TAG_CHARS: usize = 100;
/// Characters in a declared purpose or a user name.
pub const LABEL_CHARS: usize = 200;
