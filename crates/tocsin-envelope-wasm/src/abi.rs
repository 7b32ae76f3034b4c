//! The module's exported functions: bytes in through buffers the module
//! owns, JSON out.
//!
//! The page calls [`tocsin_input`] for each input (the envelope, the
//! sender's published key, the key file), writes the bytes where it
//! points, calls [`tocsin_check_key`] or [`tocsin_open`] (each returns the
//! answer's length) and reads the answer at [`tocsin_output`]. When done
//! with the key, or with an opened message, it calls [`tocsin_forget`],
//! which overwrites every buffer with zeros.
//!
//! The module is single-threaded (wasm32-unknown-unknown), so the buffers
//! are thread-locals; on other targets the functions work the same per
//! thread, which the tests use.

use std::cell::RefCell;

use serde_json::Value;
use zeroize::Zeroize;

/// The input slot of the envelope's JSON.
pub const ENVELOPE: u32 = 0;
/// The input slot of the sender's published key's JSON.
pub const SENDER: u32 = 1;
/// The input slot of the key file's text.
pub const KEY_FILE: u32 = 2;

#[derive(Default)]
struct Buffers {
    inputs: [Vec<u8>; 3],
    output: Vec<u8>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// Makes input `slot` (0 envelope, 1 sender's key, 2 key file) `len` zero
/// bytes, its previous content overwritten, and returns where to write
/// them; null for an unknown slot.
#[allow(unsafe_code)] // an exported name (`no_mangle`); the body is safe
#[unsafe(no_mangle)]
pub extern "C" fn tocsin_input(slot: u32, len: u32) -> *mut u8 {
    BUFFERS.with_borrow_mut(|b| {
        let Some(input) = usize::try_from(slot).ok().and_then(|i| b.inputs.get_mut(i)) else {
            return std::ptr::null_mut();
        };
        input.zeroize();
        input.resize(usize::try_from(len).unwrap_or(0), 0);
        input.as_mut_ptr()
    })
}

/// Reads the key file in its slot: the answer is [`crate::check_key`]'s.
/// Returns the answer's length.
#[allow(unsafe_code)] // an exported name (`no_mangle`); the body is safe
#[unsafe(no_mangle)]
pub extern "C" fn tocsin_check_key() -> u32 {
    answer(|inputs| crate::check_key(&inputs[KEY_FILE as usize]))
}

/// Opens the envelope in its slot with the sender's key and the key file
/// in theirs: the answer is [`crate::open`]'s. Returns the answer's length.
#[allow(unsafe_code)] // an exported name (`no_mangle`); the body is safe
#[unsafe(no_mangle)]
pub extern "C" fn tocsin_open() -> u32 {
    answer(|inputs| crate::open(&inputs[ENVELOPE as usize], &inputs[SENDER as usize], &inputs[KEY_FILE as usize]))
}

/// Where the last answer is (UTF-8 JSON, of the length the call returned).
#[allow(unsafe_code)] // an exported name (`no_mangle`); the body is safe
#[unsafe(no_mangle)]
pub extern "C" fn tocsin_output() -> *const u8 {
    BUFFERS.with_borrow(|b| b.output.as_ptr())
}

/// Overwrites every input and the answer with zeros and empties them: the
/// key file's bytes and the last opened message. (The keys read from it
/// are zeroed when dropped, by their crates; the page forgets its own copy.)
#[allow(unsafe_code)] // an exported name (`no_mangle`); the body is safe
#[unsafe(no_mangle)]
pub extern "C" fn tocsin_forget() {
    BUFFERS.with_borrow_mut(|b| {
        for input in &mut b.inputs {
            input.zeroize();
        }
        b.output.zeroize();
    });
}

/// Runs `f` on the inputs and keeps its JSON as the answer (the previous
/// one overwritten); its length, saturated (an answer is far below 4 GiB).
fn answer(f: impl FnOnce(&[Vec<u8>; 3]) -> Value) -> u32 {
    BUFFERS.with_borrow_mut(|b| {
        let value = f(&b.inputs);
        b.output.zeroize();
        // Serializing a `Value` cannot fail (its keys are strings).
        b.output = serde_json::to_vec(&value).unwrap_or_default();
        u32::try_from(b.output.len()).unwrap_or(u32::MAX)
    })
}

/// Runs `f` on input `slot`'s bytes, as the page writes them.
#[cfg(test)]
pub(crate) fn with_input(slot: u32, f: impl FnOnce(&mut [u8])) {
    BUFFERS.with_borrow_mut(|b| f(&mut b.inputs[slot as usize]));
}

/// A copy of the last answer.
#[cfg(test)]
pub(crate) fn output() -> Vec<u8> {
    BUFFERS.with_borrow(|b| b.output.clone())
}

/// getrandom's source on the browser target: none. Opening a message
/// draws no randomness; anything that asked would get an error, never
/// weak numbers.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)] // getrandom's hook, by its documented name
#[unsafe(no_mangle)]
unsafe extern "Rust" fn __getrandom_v03_custom(_dest: *mut u8, _len: usize) -> Result<(), getrandom::Error> {
    Err(getrandom::Error::UNSUPPORTED)
}
