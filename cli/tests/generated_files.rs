//! Snapshots of every file generated from each example spec. A changed snapshot is a
//! behaviour change of the generator: review it like code, and say why in the commit.
//!
//! Regenerate with `INSTA_UPDATE=always cargo test -p seedwork-cli --test generated_files`.

use std::path::Path;

use seedwork_cli::diagnostic::SourceFile;
use seedwork_cli::pipeline::{render_project, RuntimeSource};
use seedwork_cli::render::templates::TemplateSet;

fn snapshot_example(example: &str) {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(example)
        .join("domain.toml");
    let text = std::fs::read_to_string(&spec).expect("the example spec");
    let source = SourceFile::new("domain.toml", text);
    let checked = seedwork_cli::check::check(&source);
    let model = checked
        .model
        .unwrap_or_else(|| panic!("{}", checked.diagnostics.to_text(&source)));
    // A registry version, so the snapshots do not depend on where the workspace is.
    let runtime = RuntimeSource::Version("0.1.0".to_owned());
    let files = render_project(
        &model,
        &TemplateSet::embedded(),
        &runtime,
        Path::new("project"),
    )
    .expect("renders and verifies");
    let mut listing = String::new();
    for (path, file) in files.iter() {
        listing.push_str(&format!("{:?} {path}\n", file.ownership));
        let name = format!("{example}__{}", path.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, &file.contents);
    }
    insta::assert_snapshot!(format!("{example}__files"), listing);
}

#[test]
fn pizzeria() {
    snapshot_example("pizzeria");
}

#[test]
fn bank() {
    snapshot_example("bank");
}

#[test]
fn eshop_ordering() {
    snapshot_example("eshop-ordering");
}

#[test]
fn eshop_basket() {
    snapshot_example("eshop-basket");
}
