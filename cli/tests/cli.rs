//! The `seedwork` binary end to end, on real directories: exit codes, diagnostics, file
//! ownership, determinism, drift and dry runs.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TWO_AGGREGATES: &str = r#"
[context]
name = "shop"
doc = "A tiny shop."

[aggregates.Cart]
doc = "A shopping cart."
fields = { items = "Vec<String>" }
events.CartOpened = { doc = "Opened." }
events.ItemAdded = { fields = { item = { type = "String", min_len = 1 } } }
commands.OpenCart = { creates = true, emits = ["CartOpened"] }
commands.AddItem = { fields = { item = { type = "String", min_len = 1, max_len = 50 } }, emits = ["ItemAdded"] }

[aggregates.Wishlist]
doc = "Things for later."
fields = { name = "String" }
events.WishlistCreated = { fields = { name = "String" } }
commands.CreateWishlist = { creates = true, fields = { name = "String" }, emits = ["WishlistCreated"] }
"#;

fn seedwork(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seedwork"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the seedwork binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// Every file under `root` with its bytes (the tree's exact state).
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let relative = path.strip_prefix(root).expect("under root").to_path_buf();
                out.insert(relative, fs::read(&path).expect("readable"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn mtimes(root: &Path) -> BTreeMap<PathBuf, std::time::SystemTime> {
    tree(root)
        .into_keys()
        .map(|path| {
            let modified = fs::metadata(root.join(&path))
                .and_then(|m| m.modified())
                .expect("mtime");
            (path, modified)
        })
        .collect()
}

/// A new project from `spec` in a fresh temporary directory.
fn new_project(spec: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("tempdir");
    let spec_path = temp.path().join("spec.toml");
    fs::write(&spec_path, spec).expect("spec written");
    let out = seedwork(&["new", "project", "--spec", "spec.toml"], temp.path());
    assert!(
        out.status.success(),
        "seedwork new failed: {}",
        text(&out.stderr)
    );
    let root = temp.path().join("project");
    (temp, root)
}

#[test]
fn validate_exit_codes_and_formats() {
    let temp = tempfile::tempdir().expect("tempdir");
    let good = temp.path().join("good.toml");
    fs::write(&good, TWO_AGGREGATES).expect("written");
    let out = seedwork(&["validate", "good.toml"], temp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let bad = temp.path().join("bad.toml");
    fs::write(
        &bad,
        TWO_AGGREGATES
            .replace("\"Vec<String>\"", "\"Vec<Strin>\"")
            .replace("[\"ItemAdded\"]", "[\"ItemAdd\"]"),
    )
    .expect("written");
    let out = seedwork(&["validate", "bad.toml"], temp.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("E008") && stderr.contains("did you mean `String`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("E009") && stderr.contains("did you mean `ItemAdded`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.toml:"),
        "positions name the file: {stderr}"
    );

    let out = seedwork(&["validate", "bad.toml", "--format", "json"], temp.path());
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["errors"], 2);
    let first = &json["diagnostics"][0];
    assert_eq!(first["code"], "E008");
    assert_eq!(first["file"], "bad.toml");
    assert_eq!(first["line"], 8);
    assert_eq!(first["help"], "did you mean `String`?");
}

#[test]
fn init_writes_each_example_and_refuses_to_overwrite() {
    let temp = tempfile::tempdir().expect("tempdir");
    for example in ["pizzeria", "bank", "eshop"] {
        let file = format!("{example}.toml");
        let out = seedwork(
            &["init", "--example", example, "--output", &file],
            temp.path(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = seedwork(&["validate", &file, "--deny-warnings"], temp.path());
        assert!(out.status.success(), "{example}: {}", text(&out.stderr));
    }
    let before = fs::read(temp.path().join("bank.toml")).expect("written");
    let out = seedwork(
        &["init", "--example", "pizzeria", "--output", "bank.toml"],
        temp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--force"));
    assert_eq!(
        fs::read(temp.path().join("bank.toml")).expect("kept"),
        before
    );
}

#[test]
fn new_scaffolds_and_refuses_a_non_empty_directory() {
    let (temp, root) = new_project(TWO_AGGREGATES);
    let files = tree(&root);
    for expected in [
        "Cargo.toml",
        "domain.toml",
        ".seedwork/manifest.json",
        "src/lib.rs",
        "src/main.rs",
    ] {
        assert!(
            files.contains_key(Path::new(expected)),
            "{expected} missing: {:?}",
            files.keys()
        );
    }
    assert_eq!(
        fs::read_to_string(root.join("domain.toml")).expect("spec"),
        TWO_AGGREGATES
    );

    let other = temp.path().join("occupied");
    fs::create_dir(&other).expect("dir");
    fs::write(other.join("notes.txt"), "mine").expect("file");
    let out = seedwork(&["new", "occupied", "--spec", "spec.toml"], temp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not empty"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(tree(&other).len(), 1, "nothing was written");
}

#[test]
fn generating_twice_changes_nothing_and_output_does_not_depend_on_the_path() {
    let (_temp, root) = new_project(TWO_AGGREGATES);
    let before = tree(&root);
    let times = mtimes(&root);
    let out = seedwork(&["generate"], &root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(tree(&root), before, "same bytes");
    assert_eq!(mtimes(&root), times, "no file rewritten");

    // A second project elsewhere, deeper: identical generated files.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let deeper = elsewhere.path().join("a/b");
    fs::create_dir_all(&deeper).expect("dirs");
    fs::write(deeper.join("spec.toml"), TWO_AGGREGATES).expect("spec");
    let out = seedwork(&["new", "project", "--spec", "spec.toml"], &deeper);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let other = tree(&deeper.join("project"));
    let generated = |files: &BTreeMap<PathBuf, Vec<u8>>| -> BTreeMap<PathBuf, Vec<u8>> {
        files
            .iter()
            .filter(|(path, _)| path != &Path::new("Cargo.toml"))
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect()
    };
    assert_eq!(generated(&other), generated(&before));
}

#[test]
fn user_files_are_never_touched() {
    let (_temp, root) = new_project(TWO_AGGREGATES);
    let rules = root.join("src/rules/cart.rs");
    let mine = "// my rules\nimpl crate::generated::domain::cart::CartRules for super::Rules {}\n";
    fs::write(&rules, mine).expect("edited");
    fs::write(root.join("src/main.rs"), "fn main() {}\n").expect("edited");
    let out = seedwork(&["generate", "--force"], &root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(fs::read_to_string(&rules).expect("kept"), mine);
    assert_eq!(
        fs::read_to_string(root.join("src/main.rs")).expect("kept"),
        "fn main() {}\n"
    );
}

/// The first generated Rust file of the manifest.
fn a_generated_file(root: &Path) -> PathBuf {
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(root.join(".seedwork/manifest.json")).expect("manifest"))
            .expect("JSON");
    let files = manifest["files"].as_object().expect("files");
    let path = files
        .keys()
        .find(|p| p.starts_with("src/generated/") && p.ends_with(".rs"))
        .expect("a generated file");
    root.join(path)
}

#[test]
fn a_hand_edited_generated_file_is_refused_unless_forced() {
    let (_temp, root) = new_project(TWO_AGGREGATES);
    let file = a_generated_file(&root);
    let edited = format!(
        "{}// edited by hand\n",
        fs::read_to_string(&file).expect("read")
    );
    fs::write(&file, &edited).expect("edited");
    let before = tree(&root);

    let out = seedwork(&["generate"], &root);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(tree(&root), before, "nothing changed");

    let out = seedwork(&["generate", "--force"], &root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!fs::read_to_string(&file)
        .expect("read")
        .contains("edited by hand"));
}

#[test]
fn files_the_spec_no_longer_produces_are_deleted() {
    let (_temp, root) = new_project(TWO_AGGREGATES);
    let wishlist: Vec<PathBuf> = tree(&root)
        .into_keys()
        .filter(|p| p.to_string_lossy().contains("wishlist"))
        .collect();
    assert!(!wishlist.is_empty());
    let without =
        TWO_AGGREGATES[..TWO_AGGREGATES.find("[aggregates.Wishlist]").expect("there")].to_owned();
    fs::write(root.join("domain.toml"), without).expect("spec edited");
    let out = seedwork(&["generate"], &root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after = tree(&root);
    for path in wishlist {
        let generated = !path.starts_with("src/rules");
        assert_eq!(
            after.contains_key(&path),
            !generated,
            "{}: generated files go, user files stay",
            path.display()
        );
    }
}

#[test]
fn check_reports_drift_with_a_diff() {
    let (_temp, root) = new_project(TWO_AGGREGATES);
    let out = seedwork(&["check"], &root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let file = a_generated_file(&root);
    let relative = file
        .strip_prefix(&root)
        .expect("inside")
        .to_string_lossy()
        .into_owned();
    let original = fs::read_to_string(&file).expect("read");
    fs::write(&file, format!("{original}// drift\n")).expect("edited");
    let out = seedwork(&["check"], &root);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&format!("a/{relative}")), "{stdout}");
    assert!(stdout.contains("-// drift"), "{stdout}");

    fs::remove_file(&file).expect("removed");
    let out = seedwork(&["check"], &root);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("/dev/null"));
}

#[test]
fn dry_run_writes_nothing() {
    let (_temp, root) = new_project(TWO_AGGREGATES);
    fs::write(
        root.join("domain.toml"),
        TWO_AGGREGATES.replace("A shopping cart.", "A shopping cart, renamed."),
    )
    .expect("spec edited");
    fs::remove_file(a_generated_file(&root)).expect("removed");
    let before = tree(&root);
    let out = seedwork(&["generate", "--dry-run"], &root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(
        listed.contains("update") && listed.contains("create"),
        "{listed}"
    );
    assert_eq!(tree(&root), before);
}

#[test]
fn templates_can_be_ejected_and_overridden_by_name() {
    let (temp, root) = new_project(TWO_AGGREGATES);
    let out = seedwork(&["templates", "eject", "mine"], temp.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ejected = tree(&temp.path().join("mine"));
    assert!(!ejected.is_empty());
    let out = seedwork(&["templates", "eject", "mine"], temp.path());
    assert_ne!(
        out.status.code(),
        Some(0),
        "ejecting again never overwrites"
    );

    // Keep one template, prefixed with a marker comment.
    let overrides = temp.path().join("overrides");
    let name = "src/generated/mod.rs.tera";
    let original = fs::read_to_string(temp.path().join("mine").join(name)).expect("ejected");
    fs::create_dir_all(overrides.join("src/generated")).expect("dirs");
    fs::write(
        overrides.join(name),
        format!("{original}\n// team override\n"),
    )
    .expect("written");
    let templates = overrides.to_string_lossy().into_owned();
    let out = seedwork(&["generate", "--templates", &templates], &root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let module = fs::read_to_string(root.join("src/generated/mod.rs")).expect("generated");
    assert!(module.contains("// team override"), "{module}");

    fs::write(overrides.join("nonsense.tera"), "").expect("written");
    let out = seedwork(&["generate", "--templates", &templates], &root);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nonsense.tera"));
}

#[test]
fn schema_and_graph_print_something_useful() {
    let root = workspace();
    let out = seedwork(&["schema"], &root);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(schema["properties"]["aggregates"].is_object());
    let out = seedwork(&["graph", "examples/pizzeria/domain.toml"], &root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("PlaceOrder"));
    let out = seedwork(
        &["graph", "examples/pizzeria/domain.toml", "--format", "dot"],
        &root,
    );
    assert!(text(&out.stdout).starts_with("digraph"));
}

#[test]
fn an_invalid_spec_writes_nothing() {
    let (_temp, root) = new_project(TWO_AGGREGATES);
    fs::write(
        root.join("domain.toml"),
        TWO_AGGREGATES.replace("Vec<String>", "Vec<Strin>"),
    )
    .expect("spec");
    let before = tree(&root);
    let out = seedwork(&["generate"], &root);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("nothing was written"));
    assert_eq!(tree(&root), before);
}
