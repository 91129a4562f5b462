//! The pages and their assets, embedded into the binary at compile time from
//! `static/`, so the service ships as one file and serves exactly what was built.
//! Each page is its own content in `static/pages/`, put into the frame all
//! pages share (`static/layout.html`) by `build.rs`.

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Its path under `static/` (for a page, the file of its content).
    pub file: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! embed {
    ($file:literal, $content_type:expr) => {
        Asset {
            file: $file,
            content_type: $content_type,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/static/", $file)),
        }
    };
}

/// A page built by `build.rs` from `static/pages/{file}` and `static/layout.html`.
macro_rules! page {
    ($file:literal) => {
        Asset {
            file: concat!("pages/", $file),
            content_type: HTML,
            body: include_bytes!(concat!(env!("OUT_DIR"), "/pages/", $file)),
        }
    };
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The pages: the URL path people open, and the HTML answered there.
pub const PAGES: &[(&str, Asset)] = &[
    ("/", page!("index.html")),
    ("/signup", page!("signup.html")),
    ("/login", page!("login.html")),
    ("/link", page!("link.html")),
    ("/verify-email", page!("verify-email.html")),
    ("/forgot-password", page!("forgot-password.html")),
    ("/reset-password", page!("reset-password.html")),
    ("/account", page!("account.html")),
    ("/transactions", page!("transactions.html")),
    ("/accounts", page!("accounts.html")),
    ("/budgets", page!("budgets.html")),
    ("/goals", page!("goals.html")),
    ("/reports", page!("reports.html")),
    ("/family", page!("family.html")),
    ("/join", page!("join.html")),
];

/// The page answered (with 404) for any unknown path.
pub const NOT_FOUND_PAGE: Asset = page!("not-found.html");

/// Style sheets and scripts, served under `/static/{file}`.
pub const ASSETS: &[Asset] = &[
    embed!("style.css", CSS),
    embed!("js/api.js", JS),
    embed!("js/ui.js", JS),
    embed!("js/home.js", JS),
    embed!("js/money.js", JS),
    embed!("js/family.js", JS),
    embed!("js/transactions.js", JS),
    embed!("js/forms.js", JS),
    embed!("js/accounts.js", JS),
    embed!("js/budgets.js", JS),
    embed!("js/goals.js", JS),
    embed!("js/reports.js", JS),
    embed!("js/family-page.js", JS),
    embed!("js/join.js", JS),
    embed!("js/signup.js", JS),
    embed!("js/login.js", JS),
    embed!("js/link.js", JS),
    embed!("js/verify-email.js", JS),
    embed!("js/forgot-password.js", JS),
    embed!("js/reset-password.js", JS),
    embed!("js/account.js", JS),
];

pub fn page(path: &str) -> Option<Asset> {
    PAGES.iter().find(|(p, _)| *p == path).map(|(_, a)| *a)
}

pub fn asset(file: &str) -> Option<Asset> {
    ASSETS.iter().find(|a| a.file == file).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ` onclick=`, ` onload=`…: an attribute ` on<letters>=`.
    fn has_inline_handler(html: &str) -> bool {
        html.match_indices(" on").any(|(i, _)| {
            let rest = &html[i + 3..];
            let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
            letters > 0 && rest.as_bytes().get(letters) == Some(&b'=')
        })
    }

    /// Each page is whole: its content inside the shared frame, with a title
    /// of its own, and every placeholder of the layout filled in.
    #[test]
    fn pages_are_built_into_the_layout() {
        let pages = PAGES.iter().map(|(_, a)| a).chain([&NOT_FOUND_PAGE]);
        let mut titles = std::collections::HashSet::new();
        for page in pages {
            let html = std::str::from_utf8(page.body).expect("utf-8");
            assert!(html.starts_with("<!doctype html>\n"), "{}", page.file);
            assert!(
                html.ends_with("</main>\n</body>\n</html>\n"),
                "{}",
                page.file
            );
            assert!(!html.contains("{{"), "{}: a placeholder is left", page.file);
            assert!(
                !html.contains("<!-- title:"),
                "{}: settings are left",
                page.file
            );
            assert_eq!(html.matches("<main").count(), 1, "{}", page.file);
            let title = html
                .split_once("<title>")
                .and_then(|(_, rest)| rest.split_once(" · Finance Bot</title>"))
                .map(|(title, _)| title)
                .expect("a title");
            assert!(
                !title.is_empty() && titles.insert(title),
                "{}: {title:?}",
                page.file
            );
            let scripts = html.matches("<script type=\"module\"").count();
            let notices = html.matches("<noscript>").count();
            assert_eq!(
                scripts, notices,
                "{}: a script page says it needs one",
                page.file
            );
        }
        let login = std::str::from_utf8(page("/login").expect("login").body).expect("utf-8");
        assert!(login.contains("<script type=\"module\" src=\"/static/js/login.js\"></script>"));
        let not_found = std::str::from_utf8(NOT_FOUND_PAGE.body).expect("utf-8");
        assert!(!not_found.contains("<script") && !not_found.contains("<noscript>"));
    }

    /// Every script and style a page names is embedded, and no page carries inline
    /// script or style (the Content-Security-Policy would block it).
    #[test]
    fn pages_reference_only_embedded_assets_and_nothing_inline() {
        let pages = PAGES.iter().map(|(_, a)| a).chain([&NOT_FOUND_PAGE]);
        for page in pages {
            let html = std::str::from_utf8(page.body).expect("utf-8");
            for marker in ["src=\"/static/", "href=\"/static/"] {
                for (i, _) in html.match_indices(marker) {
                    let rest = &html[i + marker.len()..];
                    let file = &rest[..rest.find('"').expect("closing quote")];
                    assert!(
                        asset(file).is_some(),
                        "{}: {file} is not embedded",
                        page.file
                    );
                }
            }
            assert!(!html.contains("<style"), "{}: inline style", page.file);
            assert!(!html.contains(" style="), "{}: inline style", page.file);
            assert!(
                !has_inline_handler(html),
                "{}: inline event handler",
                page.file
            );
            for (i, _) in html.match_indices("<script") {
                let tag = &html[i..i + html[i..].find('>').expect("tag end")];
                assert!(tag.contains("src="), "{}: inline script", page.file);
            }
        }
    }
}
