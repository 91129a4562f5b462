//! The pages and their assets, embedded into the binary at compile time from
//! `static/`, so the service ships as one file and serves exactly what was built.

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Its path under `static/`.
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

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The pages: the URL path people open, and the HTML answered there.
pub const PAGES: &[(&str, Asset)] = &[
    ("/", embed!("index.html", HTML)),
    ("/signup", embed!("signup.html", HTML)),
    ("/login", embed!("login.html", HTML)),
    ("/link", embed!("link.html", HTML)),
    ("/verify-email", embed!("verify-email.html", HTML)),
    ("/forgot-password", embed!("forgot-password.html", HTML)),
    ("/reset-password", embed!("reset-password.html", HTML)),
    ("/account", embed!("account.html", HTML)),
];

/// The page answered (with 404) for any unknown path.
pub const NOT_FOUND_PAGE: Asset = embed!("not-found.html", HTML);

/// Style sheets and scripts, served under `/static/{file}`.
pub const ASSETS: &[Asset] = &[
    embed!("style.css", CSS),
    embed!("js/api.js", JS),
    embed!("js/ui.js", JS),
    embed!("js/home.js", JS),
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
