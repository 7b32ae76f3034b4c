//! Embeds the browser's envelope reader when the build names it.
//!
//! `TOCSIN_ENVELOPE_WASM` is the path of `tocsin-envelope-wasm` built for
//! `wasm32-unknown-unknown` (see docs/operations.md, "Opening messages in
//! the console"). Set, the console serves it and opens messages in the
//! browser (`cfg(envelope_wasm)`); unset, the console says how to open them
//! with the CLI. Set to a file that is not there, the build fails: a build
//! that asked for the reader never ships without it.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(envelope_wasm)");
    println!("cargo::rerun-if-env-changed=TOCSIN_ENVELOPE_WASM");
    let Some(path) = std::env::var_os("TOCSIN_ENVELOPE_WASM").filter(|p| !p.is_empty()) else {
        return;
    };
    let path = PathBuf::from(path);
    println!("cargo::rerun-if-changed={}", path.display());
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            panic!("TOCSIN_ENVELOPE_WASM={}: {e} (build tocsin-envelope-wasm first, or unset it)", path.display())
        }
    };
    if !bytes.starts_with(b"\0asm") {
        panic!("TOCSIN_ENVELOPE_WASM={}: not a WebAssembly module", path.display());
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let copy = Path::new(&out).join("envelope.wasm");
    if let Err(e) = std::fs::write(&copy, &bytes) {
        panic!("writing {}: {e}", copy.display());
    }
    println!("cargo::rustc-cfg=envelope_wasm");
}
