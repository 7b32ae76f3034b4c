//! The configuration file: `tocsin --config FILE serve` (or
//! `TOCSIN_CONFIG=FILE`), a TOML table whose keys are the command's long
//! options without their dashes (`listen`, `tls-cert`, `rate-token`,
//! `refresh = ["…", "…"]`, `data`). The command line wins over the
//! environment, which wins over the file: a key whose option is given on
//! the command line, or whose variable is set, is left out. A key the
//! command does not take is refused, naming it and the file.
//!
//! The file becomes command-line options before clap reads them, so one
//! parser checks every value, whichever of the three it came from.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::Context;

/// `args` with the configuration file's options added after the command's
/// name, when a file is given.
pub(crate) fn with_file(args: Vec<OsString>, command: &clap::Command) -> anyhow::Result<Vec<OsString>> {
    let Some(path) = file_of(&args) else { return Ok(args) };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading the configuration file {}", path.display()))?;
    let table: toml::Table = text.parse().with_context(|| format!("{}: not TOML", path.display()))?;
    // The subcommand: the first argument naming one.
    let Some((at, sub)) = args
        .iter()
        .enumerate()
        .skip(1)
        .find_map(|(i, a)| a.to_str().and_then(|a| command.find_subcommand(a)).map(|s| (i, s)))
    else {
        return Ok(args);
    };
    let given = |long: &str| {
        args.iter().filter_map(|a| a.to_str()).any(|a| a == format!("--{long}") || a.starts_with(&format!("--{long}=")))
    };
    let mut added: Vec<OsString> = Vec::new();
    for (key, value) in &table {
        if key == "config" {
            anyhow::bail!("{}: a configuration file does not name another (`config`)", path.display());
        }
        let arg =
            sub.get_arguments().find(|a| a.get_long() == Some(key.as_str()) && !a.is_hide_set()).ok_or_else(|| {
                let known: Vec<&str> =
                    sub.get_arguments().filter(|a| !a.is_hide_set()).filter_map(|a| a.get_long()).collect();
                anyhow::anyhow!(
                    "{}: `{key}` is not an option of `tocsin {}` (its keys: {})",
                    path.display(),
                    sub.get_name(),
                    known.join(", ")
                )
            })?;
        let from_env = arg.get_env().is_some_and(|e| std::env::var_os(e).is_some_and(|v| !v.is_empty()));
        if given(key) || from_env {
            continue;
        }
        let values = match value {
            toml::Value::Array(items) => {
                items.iter().map(|v| scalar(&path, key, v)).collect::<anyhow::Result<Vec<_>>>()?
            }
            v => vec![scalar(&path, key, v)?],
        };
        let flag = !arg.get_action().takes_values();
        for v in values {
            match (flag, v.as_str()) {
                (true, "true") => added.push(format!("--{key}").into()),
                (true, "false") => {}
                (true, other) => anyhow::bail!("{}: `{key}` is true or false, not `{other}`", path.display()),
                (false, _) => {
                    added.push(format!("--{key}").into());
                    added.push(v.into());
                }
            }
        }
    }
    let mut out = args;
    let tail = out.split_off(at + 1);
    out.extend(added);
    out.extend(tail);
    Ok(out)
}

/// The value as the command line would spell it.
fn scalar(path: &std::path::Path, key: &str, v: &toml::Value) -> anyhow::Result<String> {
    Ok(match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => anyhow::bail!(
            "{}: `{key}` must be a string, a number, true or false, or a list of them, not {}",
            path.display(),
            other.type_str()
        ),
    })
}

/// `--config FILE`, `--config=FILE`, else `TOCSIN_CONFIG`.
fn file_of(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter().filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(path) = a.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("TOCSIN_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().expect("file");
        std::fs::write(f.path(), text).expect("write");
        f
    }

    #[test]
    fn the_file_fills_what_the_command_line_leaves_out() {
        let f = file("listen = \"0.0.0.0:9000\"\nrate-token = 50\nrefresh = [\"a=1@1h\", \"b=2@1h\"]\ndemo = true\n");
        let path = f.path().display().to_string();
        let out =
            with_file(args(&["tocsin", "--config", &path, "serve", "--listen", "127.0.0.1:1"]), &crate::Cli::command())
                .expect("merged");
        let out: Vec<String> = out.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        assert!(out.contains(&"--rate-token".to_owned()) && out.contains(&"50".to_owned()), "{out:?}");
        assert_eq!(out.iter().filter(|a| *a == "--refresh").count(), 2);
        assert!(out.contains(&"--demo".to_owned()));
        assert!(!out.contains(&"0.0.0.0:9000".to_owned()), "the command line wins: {out:?}");
    }

    #[test]
    fn a_key_the_command_does_not_take_is_named() {
        let f = file("listen = \"0.0.0.0:9000\"\nrate_token = 50\n");
        let path = f.path().display().to_string();
        let e = with_file(args(&["tocsin", "--config", &path, "serve"]), &crate::Cli::command()).expect_err("refused");
        assert!(e.to_string().contains("`rate_token` is not an option of `tocsin serve`"), "{e}");
    }

    #[test]
    fn every_option_of_serve_is_documented_as_a_key() {
        let doc = include_str!("../../../docs/operations.md");
        let cli = crate::Cli::command();
        let serve = cli.find_subcommand("serve").expect("serve");
        for arg in serve.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long().filter(|l| !["help", "config"].contains(l)) {
                assert!(
                    doc.contains(&format!("| `{long}` |")),
                    "docs/operations.md does not document the key `{long}`"
                );
            }
        }
    }
}
