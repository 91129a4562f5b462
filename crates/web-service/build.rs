//! Builds the HTML pages: each `static/pages/{name}.html` is the content of one
//! page's `<main>`, put into the frame all pages share, `static/layout.html`.
//!
//! A page file starts with its settings, as comments:
//! `<!-- title: Log in -->` (required) and `<!-- script: login -->` (optional:
//! the module `static/js/{script}.js`). In the layout, `{{title}}`, `{{script}}`
//! and `{{main}}` are replaced, and lines that start with `{{if-script}}` are
//! kept only for pages with a script. The pages go to `$OUT_DIR/pages/`, where
//! `src/assets.rs` embeds them from.

use std::fs;
use std::path::Path;

fn main() {
    let static_dir = Path::new("static");
    println!("cargo::rerun-if-changed=static/layout.html");
    println!("cargo::rerun-if-changed=static/pages");
    let layout = fs::read_to_string(static_dir.join("layout.html")).expect("static/layout.html");
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo");
    let out = Path::new(&out_dir).join("pages");
    fs::create_dir_all(&out).expect("create $OUT_DIR/pages");
    let entries = fs::read_dir(static_dir.join("pages")).expect("static/pages");
    for entry in entries {
        let path = entry.expect("static/pages entry").path();
        println!("cargo::rerun-if-changed={}", path.display());
        let source = fs::read_to_string(&path).expect("a page is UTF-8 text");
        let page = render(&layout, &source).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().expect("a file name");
        fs::write(out.join(name), page).expect("write a page");
    }
}

/// Reads a `<!-- name: value -->` line at the start of `text`.
fn setting<'a>(text: &'a str, name: &str) -> Option<(&'a str, &'a str)> {
    let rest = text.strip_prefix(&format!("<!-- {name}: "))?;
    let (value, rest) = rest.split_once(" -->\n")?;
    Some((value, rest))
}

fn render(layout: &str, source: &str) -> Result<String, String> {
    let (title, rest) = setting(source, "title").ok_or("no <!-- title: … --> first line")?;
    let (script, main) = match setting(rest, "script") {
        Some((script, main)) => (Some(script), main),
        None => (None, rest),
    };
    let mut page = String::new();
    for line in layout.split_inclusive('\n') {
        match line.strip_prefix("{{if-script}}") {
            Some(_) if script.is_none() => {}
            Some(kept) => page.push_str(kept),
            None => page.push_str(line),
        }
    }
    let page = page
        .replace("{{title}}", title)
        .replace("{{script}}", script.unwrap_or_default())
        .replace("{{main}}", main);
    Ok(page)
}
