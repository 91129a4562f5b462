//! End to end in headless Chromium: a person uses the pages against the real
//! web service, auth service, PostgreSQL, Redis and SMTP sink. Screenshots of
//! the pages (desktop and phone sizes) go to `target/screenshots/`.
//!
//! Skipped, with the reason printed, only when Chromium or chromedriver is not
//! installed (scripts/test installs both).

#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
mod driver;

use std::time::Duration;

use auth_types::{JwtKeys, TokenKind};
use common::{PASSWORD, Stack, client, email, spawn_stack, spawn_stack_with};
use driver::Browser;
use serde_json::{Value, json};
use test_support::auth::JWT_SECRET;

const MAIL_WAIT: Duration = Duration::from_secs(15);

macro_rules! browser_or_skip {
    () => {
        if let Some(reason) = driver::unavailable() {
            eprintln!("skipping the browser test: {reason}");
            return;
        }
    };
}

/// The link to `page` in the newest email to `address`, as the person would click it.
async fn link_in_mail(stack: &Stack, address: &str, n: usize, page: &str) -> String {
    let mails = stack.mail.wait_for(address, n, MAIL_WAIT).await;
    let mail = &mails[n - 1];
    let token = mail
        .token_for(page)
        .unwrap_or_else(|| panic!("no {page} link in {}", mail.text));
    let link = format!("{}/{page}?token={token}", stack.web);
    assert!(mail.text.contains(&link), "the email links to this site");
    link
}

async fn log_in(browser: &Browser, address: &str, password: &str) {
    browser.fill("#email", address).await;
    browser.fill("#password", password).await;
    browser.click("#login-form button[type=submit]").await;
}

/// Logs in on the API directly (another device); its access token and session id.
async fn log_in_elsewhere(stack: &Stack, address: &str) -> (String, String) {
    let answer = client()
        .post(format!("{}/api/v1/auth/login", stack.auth))
        .header("user-agent", "Mozilla/5.0 (Android 14) Firefox/133.0")
        .json(&json!({"email": address, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let claims = JwtKeys::new(JWT_SECRET.as_bytes())
        .verify(&access, TokenKind::Access)
        .unwrap();
    (access, claims.sid.to_string())
}

async fn me_status(stack: &Stack, access: &str) -> u16 {
    client()
        .get(format!("{}/api/v1/auth/me", stack.auth))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_new_person_signs_up_verifies_the_email_then_logs_out_and_in() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let browser = Browser::start().await;
    let address = email("ann");

    browser.goto(&stack.url("/")).await;
    browser.wait_visible("#signed-out").await;
    browser.screenshots("home").await;
    browser.click("#signed-out a[href='/signup']").await;
    browser.wait_for_path("/signup").await;

    // A weak password first: the field says why, and the rest is kept.
    browser.fill("#display_name", "Ann").await;
    browser.fill("#email", &address).await;
    browser.fill("#password", "short").await;
    browser.click("#signup-form button[type=submit]").await;
    browser
        .wait_for_text("#password-error", "at least 8 characters")
        .await;
    browser
        .wait_for_text(".form-error", "correct the fields")
        .await;
    assert_eq!(browser.value("#email").await, address);
    assert_eq!(browser.value("#display_name").await, "Ann");
    assert_eq!(
        browser.value("#password").await,
        "",
        "never keeps a password"
    );
    browser.screenshots("signup-error").await;

    browser.fill("#password", PASSWORD).await;
    browser.click("#signup-form button[type=submit]").await;
    // A new person lands on the family's overview: an empty family says what to do first.
    browser.wait_for_home().await;
    browser.wait_visible("#empty-family").await;
    browser.goto(&stack.url("/account")).await;
    browser.wait_for_text("#email-state", "not verified").await;
    assert_eq!(browser.text("#display-name").await, "Ann");
    browser.wait_visible("#resend-button").await;

    // The verification email arrives, and its link verifies the address.
    let link = link_in_mail(&stack, &address, 1, "verify-email").await;
    browser.goto(&link).await;
    browser.wait_for_text("#status", "is verified").await;
    assert_eq!(
        browser.path().await,
        "/verify-email",
        "the token leaves the address bar"
    );
    browser.screenshots("verify-email").await;
    browser.goto(&stack.url("/account")).await;
    browser.wait_visible("#account").await;
    assert_eq!(browser.text("#email-state").await, "verified");
    assert!(!browser.find("#verify").await.is_displayed().await.unwrap());
    browser.screenshots("account").await;

    // Log out, then log in: a wrong password first, shown as typed on request.
    browser.click("#logout-button").await;
    browser.wait_for_path("/login").await;
    browser.wait_visible("#login-form").await;
    browser
        .wait_for_text("#status", "You are logged out on this device")
        .await;
    browser.screenshots("login").await;
    browser.fill("#email", &address).await;
    browser.fill("#password", "not the password").await;
    browser.click("#login-form .show-password").await;
    let shown = "const p = document.querySelector('#password'); \
                 const b = document.querySelector('#login-form .show-password'); \
                 return [p.type, b.getAttribute('aria-pressed'), b.textContent];";
    assert_eq!(
        browser.eval(shown).await,
        json!(["text", "true", "Hide password"])
    );
    browser.click("#login-form button[type=submit]").await;
    browser
        .wait_for_text(".form-error", "email or password is wrong")
        .await;
    assert_eq!(browser.value("#email").await, address);
    assert_eq!(
        browser.value("#password").await,
        "",
        "a shown password is emptied too"
    );
    browser.screenshots("login-error").await;
    log_in(&browser, &address, PASSWORD).await;
    browser.wait_for_home().await;
    browser.goto(&stack.url("/account")).await;
    browser.wait_for_text("#email", &address).await;
    // Signed in, the header offers the family pages; /signup goes on like /login.
    browser.wait_visible("#app-nav").await;
    browser.goto(&stack.url("/signup")).await;
    browser.wait_for_home().await;

    // The home page knows the person now.
    browser.goto(&stack.url("/")).await;
    browser
        .wait_for_text("#signed-in", "Welcome back, Ann")
        .await;
    browser.quit().await;
}

#[tokio::test]
async fn a_telegram_link_is_confirmed_in_the_browser_with_a_clear_result_each_time() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let address = email("tim");
    stack.register_directly(&address).await;
    // Telegram user 777 belongs to another account already.
    stack
        .telegram_taken_by(&email("other"), 777, "someone_else")
        .await;

    let browser = Browser::start().await;
    // Signed out: log in first, and come back to the link.
    let code = stack.link_code(555, "tim_tg").await;
    browser
        .goto(&stack.url(&format!("/link?code={code}")))
        .await;
    browser.wait_visible("#need-account").await;
    browser.screenshots("link-signed-out").await;
    browser.click("#login-link").await;
    browser.wait_for_path("/login?next=").await;
    log_in(&browser, &address, PASSWORD).await;
    browser.wait_for_path(&format!("/link?code={code}")).await;
    browser.wait_visible("#confirm-button").await;
    // Whom the code would link is shown before anything is confirmed.
    browser
        .wait_for_text("#telegram-who", "Tele (@tim_tg)")
        .await;
    browser.screenshots("link-confirm").await;
    browser.click("#confirm-button").await;
    browser
        .wait_for_text("#result-text", "Linked! @tim_tg is now linked")
        .await;
    browser.wait_visible("#telegram-hint").await;
    browser.screenshots("link-linked").await;

    browser.goto(&stack.url("/account")).await;
    browser
        .wait_for_text("#telegram-state", "Linked: @tim_tg")
        .await;

    // The same code again: used, said at once (nothing to confirm).
    browser
        .goto(&stack.url(&format!("/link?code={code}")))
        .await;
    browser
        .wait_for_text("#result-text", "expired or was already used")
        .await;
    browser.screenshots("link-used").await;

    // A new code of the same Telegram account: already linked to this one.
    let again = stack.link_code(555, "tim_tg").await;
    browser
        .goto(&stack.url(&format!("/link?code={again}")))
        .await;
    browser.click("#confirm-button").await;
    browser
        .wait_for_text("#result-text", "was already linked to your account")
        .await;

    // A code of another Telegram account: this account has one already.
    let foreign = stack.link_code(777, "someone_else").await;
    browser
        .goto(&stack.url(&format!("/link?code={foreign}")))
        .await;
    browser.click("#confirm-button").await;
    browser
        .wait_for_text(
            "#result-text",
            "already linked to a different Telegram account",
        )
        .await;

    // A made-up code.
    browser.goto(&stack.url("/link?code=not-a-real-code")).await;
    browser
        .wait_for_text("#result-text", "expired or was already used")
        .await;

    // The account page undoes the link.
    browser.goto(&stack.url("/account")).await;
    browser
        .wait_for_text("#telegram-state", "Linked: @tim_tg")
        .await;
    browser.click("#unlink-button").await;
    browser
        .wait_for_text("#telegram-status", "Telegram is unlinked")
        .await;
    browser.wait_for_text("#telegram-state", "Not linked").await;
    browser.quit().await;
}

#[tokio::test]
async fn a_telegram_account_of_another_person_is_refused() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let address = email("una");
    stack.register_directly(&address).await;
    stack
        .telegram_taken_by(&email("owner"), 888, "owner_tg")
        .await;

    let browser = Browser::start().await;
    browser.goto(&stack.url("/login")).await;
    log_in(&browser, &address, PASSWORD).await;
    browser.wait_for_home().await;
    let code = stack.link_code(888, "owner_tg").await;
    browser
        .goto(&stack.url(&format!("/link?code={code}")))
        .await;
    browser.click("#confirm-button").await;
    browser
        .wait_for_text("#result-text", "linked to another account")
        .await;
    browser.screenshots("link-other-account").await;
    browser.goto(&stack.url("/account")).await;
    browser.wait_for_text("#telegram-state", "Not linked").await;
    browser.quit().await;
}

#[tokio::test]
async fn a_forgotten_password_is_reset_from_the_email_and_the_old_sessions_end() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let address = email("flo");
    stack.register_directly(&address).await;
    let (elsewhere, _) = log_in_elsewhere(&stack, &address).await;

    let browser = Browser::start().await;
    browser.goto(&stack.url("/login")).await;
    browser.click("a[href='/forgot-password']").await;
    browser.wait_for_path("/forgot-password").await;
    // This browser has a session too, which the reset must end.
    browser.goto(&stack.url("/login?next=/account")).await;
    log_in(&browser, &address, PASSWORD).await;
    browser.wait_for_path("/account").await;
    browser.wait_visible("#account").await;

    browser.goto(&stack.url("/forgot-password")).await;
    browser.fill("#email", &address).await;
    browser.click("#forgot-form button[type=submit]").await;
    browser
        .wait_for_text("#status", "with a link to choose a new password")
        .await;
    browser.screenshots("forgot-password").await;

    // The first mail is the verification of the sign-up; the second the reset.
    let link = link_in_mail(&stack, &address, 2, "reset-password").await;
    browser.goto(&link).await;
    browser.wait_visible("#reset-form").await;
    browser.fill("#password", "a brand new password").await;
    browser.fill("#password_again", "a different one").await;
    browser.click("#reset-form button[type=submit]").await;
    browser
        .wait_for_text("#password_again-error", "not the same")
        .await;
    browser.screenshots("reset-password").await;
    browser.fill("#password", "a brand new password").await;
    browser
        .fill("#password_again", "a brand new password")
        .await;
    browser.click("#reset-form button[type=submit]").await;
    browser
        .wait_for_text("#status", "Your password is changed")
        .await;
    browser.screenshots("reset-password-done").await;

    // Every old session is over: the other device, and this browser's.
    assert_eq!(me_status(&stack, &elsewhere).await, 401);
    browser.goto(&stack.url("/account")).await;
    browser.wait_for_path("/login?next=%2Faccount").await;

    log_in(&browser, &address, PASSWORD).await;
    browser
        .wait_for_text(".form-error", "email or password is wrong")
        .await;
    log_in(&browser, &address, "a brand new password").await;
    browser.wait_for_path("/account").await;
    browser.wait_for_text("#email", &address).await;
    // A reset proves the address: it counts as verified.
    assert_eq!(browser.text("#email-state").await, "verified");

    // The same reset link again: used up.
    browser.goto(&link).await;
    browser.fill("#password", "yet another password").await;
    browser
        .fill("#password_again", "yet another password")
        .await;
    browser.click("#reset-form button[type=submit]").await;
    browser
        .wait_for_text(".form-error", "expired or was already used")
        .await;
    browser.quit().await;
}

#[tokio::test]
async fn the_account_page_lists_sessions_and_ends_one_or_all() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let address = email("sam");
    stack.register_directly(&address).await;
    let (elsewhere, sid) = log_in_elsewhere(&stack, &address).await;

    let browser = Browser::start().await;
    browser.goto(&stack.url("/account")).await;
    browser.wait_for_path("/login?next=%2Faccount").await;
    log_in(&browser, &address, PASSWORD).await;
    browser.wait_for_path("/account").await;
    // register's session, the other device's, and this one.
    browser.wait_for_count("li.session", 3).await;
    browser
        .wait_for_text("#sessions", "Firefox on Android")
        .await;
    browser.wait_for_text("#sessions", "this device").await;
    // Times in words, relative to now.
    let relative = "return [...document.querySelectorAll('#sessions .muted')].every((p) => \
                    /^Signed in (just now|\\d+ minutes? ago)\\b.*last active (just now|\\d+ minutes? ago)$/ \
                    .test(p.textContent));";
    assert_eq!(browser.eval(relative).await, true);
    browser.scroll_to("#sessions-title").await;
    browser.screenshots("account-sessions").await;

    browser
        .click(&format!("li[data-session-id='{sid}'] button"))
        .await;
    browser
        .wait_for_text("#sessions-status", "that device is signed out")
        .await;
    browser.wait_for_count("li.session", 2).await;
    assert_eq!(me_status(&stack, &elsewhere).await, 401);

    // The verification email can be sent again.
    browser.click("#resend-button").await;
    browser
        .wait_for_text("#verify-status", "We sent a new verification email")
        .await;
    stack.mail.wait_for(&address, 2, MAIL_WAIT).await;

    // Changing the password needs the right current one.
    browser.fill("#current_password", "wrong password").await;
    browser.fill("#new_password", "another good password").await;
    browser.click("#password-form button[type=submit]").await;
    browser
        .wait_for_text("#password-form .form-error", "current password is wrong")
        .await;
    assert_eq!(browser.path().await, "/account", "still signed in");
    browser.fill("#current_password", PASSWORD).await;
    browser.fill("#new_password", "another good password").await;
    browser.click("#password-form button[type=submit]").await;
    browser
        .wait_for_text("#password-status", "Your password is changed")
        .await;
    // The other sessions ended; this one stays.
    browser.wait_for_count("li.session", 1).await;

    let (third, _) = {
        let answer = client()
            .post(format!("{}/api/v1/auth/login", stack.auth))
            .json(&json!({"email": address, "password": "another good password"}))
            .send()
            .await
            .unwrap();
        let body: Value = answer.json().await.unwrap();
        (body["access_token"].as_str().unwrap().to_owned(), ())
    };
    browser.click("#logout-all-button").await;
    browser.wait_for_path("/login").await;
    browser
        .wait_for_text("#status", "You are logged out on all your devices")
        .await;
    assert_eq!(me_status(&stack, &third).await, 401);
    browser.goto(&stack.url("/account")).await;
    browser.wait_for_path("/login?next=%2Faccount").await;
    browser.quit().await;
}

#[tokio::test]
async fn too_many_logins_say_when_to_try_again() {
    browser_or_skip!();
    let stack = spawn_stack(&[("RATE_LIMITS", "on"), ("RATE_LIMIT_LOGIN_IP", "2/120")]).await;
    let browser = Browser::start().await;
    browser.goto(&stack.url("/login")).await;
    let address = email("max");
    for _ in 0..2 {
        log_in(&browser, &address, "wrong password").await;
        browser
            .wait_for_text(".form-error", "email or password is wrong")
            .await;
    }
    log_in(&browser, &address, "wrong password").await;
    let text = browser
        .wait_for_text(".form-error", "Too many attempts. Please try again in")
        .await;
    assert!(
        text.contains("second") || text.contains("minute"),
        "says when: {text}"
    );
    assert!(!text.contains("rate_limited") && !text.contains("429"));
    assert_eq!(browser.value("#email").await, address);
    browser.screenshots("login-rate-limited").await;
    browser.quit().await;
}

#[tokio::test]
async fn a_link_from_an_email_that_no_longer_works_says_so() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let browser = Browser::start().await;
    browser
        .goto(&stack.url("/verify-email?token=no-such-token"))
        .await;
    browser
        .wait_for_text("#status", "expired or was already used")
        .await;
    browser.screenshots("verify-email-invalid").await;
    browser.goto(&stack.url("/no-such-page")).await;
    browser.wait_for_text("h1", "Page not found").await;
    browser.screenshots("not-found").await;
    browser.quit().await;
}

#[tokio::test]
async fn the_page_renews_its_access_token_before_it_expires() {
    browser_or_skip!();
    // Renewed a minute before expiry, and at the earliest after 5 s.
    let stack = spawn_stack(&[("ACCESS_TOKEN_TTL_SECS", "62")]).await;
    let address = email("ren");
    stack.register_directly(&address).await;
    let browser = Browser::start().await;
    browser.goto(&stack.url("/login?next=/account")).await;
    log_in(&browser, &address, PASSWORD).await;
    browser.wait_for_path("/account").await;
    browser.wait_visible("#account").await;
    let refreshes = async || {
        browser
            .eval(
                "return performance.getEntriesByType('resource')\
                 .filter(e => e.name.endsWith('/api/v1/auth/token/refresh')).length",
            )
            .await
            .as_u64()
            .unwrap()
    };
    assert_eq!(refreshes().await, 1, "the page load restored the session");
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert!(refreshes().await >= 2, "renewed on time");
    // Still signed in, with the renewed token.
    browser.click("#resend-button").await;
    browser
        .wait_for_text("#verify-status", "We sent a new verification email")
        .await;
    browser.quit().await;
}

#[tokio::test]
async fn a_session_ended_elsewhere_sends_the_page_to_log_in() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let address = email("out");
    stack.register_directly(&address).await;
    let browser = Browser::start().await;
    browser.goto(&stack.url("/login?next=/account")).await;
    log_in(&browser, &address, PASSWORD).await;
    browser.wait_for_path("/account").await;
    browser.wait_visible("#account").await;

    // Another device logs out everywhere: this page's tokens stop working.
    let (elsewhere, _) = log_in_elsewhere(&stack, &address).await;
    let answer = client()
        .post(format!("{}/api/v1/auth/logout-all", stack.auth))
        .bearer_auth(&elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);

    browser.click("#resend-button").await;
    browser.wait_for_path("/login?next=%2Faccount").await;
    browser.quit().await;
}

#[tokio::test]
async fn logging_in_works_with_the_keyboard_alone_and_focus_is_visible() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let address = email("kay");
    stack.register_directly(&address).await;
    let browser = Browser::start().await;
    browser.goto(&stack.url("/login")).await;
    browser.wait_visible("#login-form").await;

    // Tab, Enter: WebDriver's key codes.
    const TAB: &str = "\u{E004}";
    const ENTER: &str = "\u{E007}";
    browser.find("#email").await.click().await.unwrap();
    let active = browser.client.active_element().await.unwrap();
    active.send_keys(&format!("{address}{TAB}")).await.unwrap();
    let focused = browser.eval("return document.activeElement.id").await;
    assert_eq!(
        focused, "password",
        "Tab moves from the email to the password"
    );
    let outline = browser
        .eval("return getComputedStyle(document.activeElement).outlineStyle")
        .await;
    assert_eq!(outline, "solid", "the focused field is outlined");
    let active = browser.client.active_element().await.unwrap();
    active
        .send_keys(&format!("{PASSWORD}{ENTER}"))
        .await
        .unwrap();
    browser.wait_for_home().await;
    browser.goto(&stack.url("/account")).await;
    browser.wait_for_text("#email", &address).await;
    browser.quit().await;
}

/// The caller's families, accounts… straight from the finance service.
async fn finance_get(stack: &Stack, token: &str, path: &str) -> Value {
    let answer = client()
        .get(format!("{}/api/v1{path}", stack.finance))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{path}");
    answer.json().await.unwrap()
}

#[tokio::test]
async fn a_new_person_sees_the_overview_records_an_expense_and_a_budget_fills_up() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let browser = Browser::start().await;
    let address = email("fay");

    // Signed up, the person lands on the family's overview: an empty family says
    // what to do first.
    browser.goto(&stack.url("/signup?next=%2F")).await;
    browser.fill("#display_name", "Fay").await;
    browser.fill("#email", &address).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("#signup-form button[type=submit]").await;
    browser.wait_visible("#empty-family").await;
    browser
        .wait_for_text("#signed-in", "Welcome back, Fay")
        .await;
    browser
        .wait_for_text("#empty-family", "add an account")
        .await;
    browser.screenshots("overview-empty").await;

    // A budget for Groceries, set through the API: 20.00 EUR a month.
    let (token, _) = log_in_elsewhere(&stack, &address).await;
    let families = finance_get(&stack, &token, "/families").await;
    let family = families["items"][0]["id"].as_str().unwrap().to_owned();
    let categories = finance_get(&stack, &token, &format!("/families/{family}/categories")).await;
    let groceries = categories["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "expense" && c["name"] == "Groceries")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let budget = client()
        .post(format!(
            "{}/api/v1/families/{family}/budgets",
            stack.finance
        ))
        .bearer_auth(&token)
        .json(&json!({"category_id": groceries, "limit": "20.00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(budget.status(), 201);

    // The first account, from the page.
    browser.fill("#account-name", "Wallet").await;
    browser.fill("#opening_balance", "30").await;
    browser.click("#account-form button[type=submit]").await;
    browser.wait_visible("#overview").await;
    browser.wait_for_text("#account-rows", "Wallet").await;
    browser.wait_for_text("#total-rows", "30.00").await;
    browser.wait_for_text("#budget-list", "0% spent").await;
    browser
        .wait_for_text("#no-transactions", "Nothing recorded")
        .await;

    // An expense typed as people write it.
    let choose_groceries =
        format!("document.querySelector('#category_id').value = '{groceries}'; return true;");
    browser.eval(&choose_groceries).await;
    browser.fill("#amount", "12,50").await;
    browser.fill("#note", "market").await;
    browser.click("#expense-form button[type=submit]").await;
    browser.wait_for_text("#expense-status", "Recorded").await;
    browser.wait_for_text("#total-rows", "17.50").await;
    browser.wait_for_text("#account-rows", "17.50").await;
    browser.wait_for_text("#transaction-list", "12.50").await;
    browser.wait_for_text("#transaction-list", "market").await;
    browser.wait_for_text("#budget-list", "62% spent").await;
    let state = "return document.querySelector('#budget-list .budget').dataset.state;";
    assert_eq!(browser.eval(state).await, "ok");
    assert_eq!(
        browser.value("#amount").await,
        "",
        "the form is ready for the next one"
    );

    // A wrong amount is said in words next to its field, and nothing is recorded.
    browser.fill("#amount", "12,505").await;
    browser.click("#expense-form button[type=submit]").await;
    browser.wait_for_text("#amount-error", "12,50").await;

    // Past 80%: the bar turns amber and says so in words.
    browser.eval(&choose_groceries).await;
    browser.fill("#amount", "4").await;
    browser.click("#expense-form button[type=submit]").await;
    browser
        .wait_for_text("#expense-status", "Groceries has used 80% of its budget")
        .await;
    browser
        .wait_for_text("#budget-list", "Nearly spent: 82%")
        .await;
    assert_eq!(browser.eval(state).await, "warning");
    let colour =
        "return getComputedStyle(document.querySelector('#budget-list .fill')).backgroundColor;";
    assert_eq!(browser.eval(colour).await, "rgb(201, 138, 0)");
    browser.wait_for_text("#total-rows", "13.50").await;
    browser
        .eval("document.activeElement.blur(); window.scrollTo(0, 0); return true;")
        .await;
    browser.screenshots("overview").await;

    // Past 100%: red, and "over budget" in words.
    browser.eval(&choose_groceries).await;
    browser.fill("#amount", "5").await;
    browser.click("#expense-form button[type=submit]").await;
    browser
        .wait_for_text("#budget-list", "Over budget: 107%")
        .await;
    assert_eq!(browser.eval(state).await, "over");
    assert_eq!(browser.eval(colour).await, "rgb(165, 29, 45)");

    // The page's numbers are the API's.
    let accounts = finance_get(&stack, &token, &format!("/families/{family}/accounts")).await;
    assert_eq!(accounts["items"][0]["balance"], "8.50");

    // A second family: the header offers a switch, and the page follows it.
    let home = client()
        .post(format!("{}/api/v1/families", stack.finance))
        .bearer_auth(&token)
        .json(&json!({"name": "Home", "base_currency": "USD"}))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 201);
    let home: Value = home.json().await.unwrap();
    browser.goto(&stack.url("/")).await;
    browser.wait_visible("#family-switch").await;
    browser.wait_for_text("#family-line", "Personal").await;
    let switch = format!(
        "const s = document.querySelector('#family-select'); s.value = '{}'; \
         s.dispatchEvent(new Event('change')); return true;",
        home["id"].as_str().unwrap()
    );
    browser.eval(&switch).await;
    browser.wait_for_text("#family-line", "Home").await;
    browser.wait_visible("#empty-family").await;
    // The choice is kept for the next visit.
    browser.goto(&stack.url("/")).await;
    browser.wait_for_text("#family-line", "Home").await;
    browser.quit().await;
}

#[tokio::test]
async fn the_transactions_page_loads_more_by_cursor_and_deletes_in_place() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let address = email("gus");
    stack.register_directly(&address).await;
    let (token, _) = log_in_elsewhere(&stack, &address).await;
    let families = finance_get(&stack, &token, "/families").await;
    let family = families["items"][0]["id"].as_str().unwrap().to_owned();
    let categories = finance_get(&stack, &token, &format!("/families/{family}/categories")).await;
    let category = categories["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "expense" && c["name"] == "Transport")
        .unwrap()["id"]
        .clone();
    let post = |path: String, body: Value| {
        client()
            .post(format!("{}/api/v1/families/{family}/{path}", stack.finance))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let account = post("accounts".into(), json!({"name": "Card", "kind": "card"}))
        .await
        .unwrap();
    assert_eq!(account.status(), 201);
    let account: Value = account.json().await.unwrap();
    // 25 rides, the newest (ride 25) first on the page.
    for n in 1..=25 {
        let made = post(
            "transactions".into(),
            json!({"kind": "expense", "account_id": account["id"], "category_id": category,
                   "amount": format!("{n}.00"), "note": format!("ride {n}"),
                   "occurred_at": format!("2026-11-01T10:{n:02}:00Z")}),
        )
        .await
        .unwrap();
        assert_eq!(made.status(), 201);
    }

    let browser = Browser::start().await;
    browser
        .goto(&stack.url("/login?next=%2Ftransactions"))
        .await;
    log_in(&browser, &address, PASSWORD).await;
    browser.wait_for_path("/transactions").await;
    browser.wait_for_count("#transaction-list li", 20).await;
    assert!(
        browser
            .text("#transaction-list li")
            .await
            .contains("ride 25")
    );
    browser.wait_visible("#load-more").await;
    browser.screenshots("transactions").await;
    browser.click("#load-more").await;
    browser.wait_for_count("#transaction-list li", 25).await;
    browser.wait_for_text("#transaction-list", "ride 1").await;
    let more_hidden = "return document.querySelector('#load-more').hidden;";
    assert_eq!(browser.eval(more_hidden).await, true);

    // Delete asks once more on the same button, then the row goes.
    let ride_24 = "#transaction-list li:nth-child(2) button.delete";
    browser.click(ride_24).await;
    browser.wait_for_text(ride_24, "Really delete?").await;
    browser.click(ride_24).await;
    browser.wait_for_text("#status", "Deleted").await;
    browser.wait_for_count("#transaction-list li", 24).await;
    let page = browser.text("#transaction-list").await;
    assert!(!page.contains("ride 24"), "{page}");
    let left = finance_get(
        &stack,
        &token,
        &format!("/families/{family}/transactions?limit=200"),
    )
    .await;
    assert_eq!(left["items"].as_array().unwrap().len(), 24);
    browser.quit().await;
}

#[tokio::test]
async fn a_viewer_sees_the_family_without_the_forms() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let owner_address = email("olga");
    stack.register_directly(&owner_address).await;
    let (owner, _) = log_in_elsewhere(&stack, &owner_address).await;
    let family = client()
        .post(format!("{}/api/v1/families", stack.finance))
        .bearer_auth(&owner)
        .json(&json!({"name": "Olga's home", "base_currency": "EUR"}))
        .send()
        .await
        .unwrap();
    assert_eq!(family.status(), 201);
    let family: Value = family.json().await.unwrap();
    let fid = family["id"].as_str().unwrap().to_owned();
    let account = client()
        .post(format!("{}/api/v1/families/{fid}/accounts", stack.finance))
        .bearer_auth(&owner)
        .json(&json!({"name": "Joint", "kind": "bank", "opening_balance": "100"}))
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 201);
    let account: Value = account.json().await.unwrap();
    let categories = finance_get(&stack, &owner, &format!("/families/{fid}/categories")).await;
    let spent = client()
        .post(format!(
            "{}/api/v1/families/{fid}/transactions",
            stack.finance
        ))
        .bearer_auth(&owner)
        .json(&json!({"kind": "expense", "account_id": account["id"],
                      "category_id": categories["items"][0]["id"], "amount": "9.99",
                      "note": "bread"}))
        .send()
        .await
        .unwrap();
    assert_eq!(spent.status(), 201);
    let invite = client()
        .post(format!("{}/api/v1/families/{fid}/invites", stack.finance))
        .bearer_auth(&owner)
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(invite.status(), 201);
    let invite: Value = invite.json().await.unwrap();

    // The viewer joins through the web origin.
    let viewer_address = email("vic");
    stack.register_directly(&viewer_address).await;
    let (viewer, _) = log_in_elsewhere(&stack, &viewer_address).await;
    let joined = client()
        .post(stack.url(&format!(
            "/api/v1/invites/{}/accept",
            invite["code"].as_str().unwrap()
        )))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 200);

    let browser = Browser::start().await;
    browser.goto(&stack.url("/login?next=%2F")).await;
    log_in(&browser, &viewer_address, PASSWORD).await;
    browser.wait_visible("#family-switch").await;
    let switch = format!(
        "const s = document.querySelector('#family-select'); s.value = '{fid}'; \
         s.dispatchEvent(new Event('change')); return true;"
    );
    browser.eval(&switch).await;
    browser.wait_for_text("#family-line", "Olga's home").await;
    browser.wait_for_text("#account-rows", "Joint").await;
    browser.wait_visible("#viewer-note").await;
    let hidden = "return [document.querySelector('#quick-add').hidden, \
                  document.querySelector('#empty-family').hidden];";
    assert_eq!(browser.eval(hidden).await, json!([true, true]));
    browser.screenshots("overview-viewer").await;

    // No delete on the transactions page either.
    browser.goto(&stack.url("/transactions")).await;
    browser.wait_for_text("#family-line", "Olga's home").await;
    browser.wait_for_text("#transaction-list", "bread").await;
    assert_eq!(browser.count("button.delete").await, 0);
    browser.quit().await;
}

/// Clicks the button `button` (CSS) of the list item in `list` that says `text`.
async fn click_in_item(browser: &Browser, list: &str, text: &str, button: &str) {
    let script = format!(
        "const item = [...document.querySelectorAll('{list} > li')].find((li) => \
         li.textContent.includes({text:?})); if (!item) return false; \
         item.querySelector('{button}').click(); return true;"
    );
    browser.wait_for_text(list, text).await;
    assert_eq!(browser.eval(&script).await, true, "{button} of {text}");
}

/// Picks the option of `select` whose text starts with `text`.
async fn select_text(browser: &Browser, select: &str, text: &str) {
    browser.find(select).await;
    let script = format!(
        "const s = document.querySelector('{select}'); \
         const o = [...s.options].find((o) => o.text === {text:?}) \
         || [...s.options].find((o) => o.text.startsWith({text:?})); \
         if (!o) return false; s.value = o.value; \
         s.dispatchEvent(new Event('change', {{bubbles: true}})); return true;"
    );
    // The options may still be on their way from the API.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while browser.eval(&script).await != true {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{select} never offered {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn data_state(browser: &Browser, css: &str) -> Value {
    browser
        .eval(&format!(
            "return document.querySelector('{css}').dataset.state;"
        ))
        .await
}

#[tokio::test]
async fn a_family_of_two_runs_its_money_from_two_browsers() {
    browser_or_skip!();
    // The web service knows the bot's username: invites show its deep link.
    let stack = spawn_stack_with(&[], &[("TELEGRAM_BOT_USERNAME", "@Finance_Test_bot")]).await;
    let ann_address = email("ann");
    stack.register_directly(&ann_address).await;
    let ann = Browser::start().await;

    // Ann names her family and invites Ben as a member.
    ann.goto(&stack.url("/login?next=%2Ffamily")).await;
    log_in(&ann, &ann_address, PASSWORD).await;
    ann.wait_for_path("/family").await;
    // Without a display name, her own email names her.
    ann.wait_for_text("#member-list", &format!("{ann_address} (you)"))
        .await;
    ann.wait_visible("#app-nav").await;
    ann.fill("#settings-name", "Ann's home").await;
    ann.fill("#settings-payday", "31").await;
    ann.click("#settings-form button[type=submit]").await;
    ann.wait_for_text("#settings-payday-error", "1 to 28").await;
    ann.fill("#settings-payday", "1").await;
    ann.click("#settings-form button[type=submit]").await;
    ann.wait_for_text("#status", "Saved the settings").await;
    ann.wait_for_text("#family-line", "Ann's home").await;
    ann.select("#invite-role", "member").await;
    ann.click("#invite-form button[type=submit]").await;
    ann.wait_visible("#invite").await;
    let link = ann.value("#invite-link").await;
    assert!(
        link.starts_with(&stack.url("/join?code=")),
        "a link to this site: {link}"
    );
    let code = link.rsplit_once('=').unwrap().1.to_owned();
    let deep_link = format!("https://t.me/Finance_Test_bot?start=join_{code}");
    assert_eq!(ann.value("#invite-telegram").await, deep_link);
    ann.wait_visible("#invite-telegram-open").await;
    assert_eq!(
        ann.eval("return document.querySelector('#invite-telegram-open').href;")
            .await,
        Value::String(deep_link)
    );
    assert_eq!(ann.text("#copy-telegram").await, "Copy the Telegram link");
    ann.screenshots("family").await;

    // Ben opens the link without an account: he signs up and comes back to join.
    let ben_address = email("ben");
    let ben = Browser::start().await;
    ben.goto(&link).await;
    ben.wait_visible("#need-account").await;
    ben.screenshots("join-signed-out").await;
    ben.click("#signup-link").await;
    ben.wait_for_path("/signup").await;
    ben.fill("#display_name", "Ben").await;
    ben.fill("#email", &ben_address).await;
    ben.fill("#password", PASSWORD).await;
    ben.click("#signup-form button[type=submit]").await;
    ben.wait_for_path("/join?code=").await;
    ben.wait_visible("#confirm").await;
    ben.click("#join-button").await;
    ben.wait_for_text("#result-text", "You are in Ann's home, as a member")
        .await;
    ben.screenshots("join").await;
    ben.click("#to-overview").await;
    ben.wait_for_text("#family-line", "Ann's home").await;
    ann.goto(&stack.url("/family")).await;
    ann.wait_for_text("#member-list", "Ben").await;

    // Ann sets up two accounts, a subcategory, and a budget.
    ann.goto(&stack.url("/accounts")).await;
    ann.wait_visible("#account-form").await;
    ann.fill("#account-name", "Wallet").await;
    ann.fill("#account-opening", "100").await;
    ann.click("#account-form button[type=submit]").await;
    ann.wait_for_text("#account-rows", "Wallet").await;
    ann.fill("#account-name", "Dollars").await;
    ann.fill("#account-currency", "usd").await;
    ann.fill("#account-opening", "50,5").await;
    ann.click("#account-form button[type=submit]").await;
    ann.wait_for_text("#account-rows", "Dollars").await;
    ann.wait_for_text("#account-rows", "$50.50").await;
    ann.fill("#category-name", "Snacks").await;
    select_text(&ann, "#category-parent", "Groceries").await;
    ann.click("#category-form button[type=submit]").await;
    ann.wait_for_text("#expense-tree li li", "Snacks").await;
    ann.click("#expense-tree button[aria-label='Rename or move Snacks']")
        .await;
    ann.fill("#rename-category-name", "Sweets").await;
    ann.click("#expense-tree form button[type=submit]").await;
    ann.wait_for_text("#status", "Renamed Snacks to Sweets")
        .await;
    ann.wait_for_text("#expense-tree li li", "Sweets").await;
    ann.screenshots("accounts").await;

    ann.goto(&stack.url("/budgets")).await;
    ann.wait_visible("#budget-form").await;
    select_text(&ann, "#budget-category", "Groceries").await;
    ann.fill("#budget-limit", "20").await;
    ann.click("#budget-form button[type=submit]").await;
    ann.wait_for_text("#budget-list", "0% spent").await;
    ann.wait_for_text("#budget-rows", "€20.00").await;

    // Both record: Ben an expense typed as he writes it, Ann one more and a
    // transfer between currencies.
    ben.goto(&stack.url("/transactions")).await;
    ben.wait_visible("#add").await;
    ben.fill("#add-amount", "12,50").await;
    select_text(&ben, "#add-account", "Wallet").await;
    select_text(&ben, "#add-category", "Groceries").await;
    ben.fill("#add-note", "market").await;
    ben.click("#add-form button[type=submit]").await;
    ben.wait_for_text("#status", "Recorded").await;
    ben.wait_for_text("#transaction-list", "market").await;

    ann.goto(&stack.url("/transactions")).await;
    ann.wait_for_text("#transaction-list", "market").await;
    ann.fill("#add-amount", "5").await;
    select_text(&ann, "#add-account", "Wallet").await;
    select_text(&ann, "#add-category", "Groceries").await;
    ann.fill("#add-note", "bakery").await;
    ann.click("#add-form button[type=submit]").await;
    ann.wait_for_text("#transaction-list", "bakery").await;
    ann.select("#add-kind", "transfer").await;
    ann.wait_visible("#add-to").await;
    select_text(&ann, "#add-account", "Wallet").await;
    select_text(&ann, "#add-to", "Dollars").await;
    ann.wait_visible("#add-to-amount").await;
    ann.fill("#add-amount", "10").await;
    ann.click("#add-form button[type=submit]").await;
    ann.wait_for_text("#add-to-amount-error", "amount").await;
    ann.fill("#add-to-amount", "11,20").await;
    ann.click("#add-form button[type=submit]").await;
    ann.wait_for_text("#transaction-list", "Transfer Wallet → Dollars")
        .await;
    ann.wait_for_text("#transaction-list", "€10.00 → $11.20")
        .await;
    ann.wait_for_count("#transaction-list > li", 3).await;
    // An expense in dollars: not the EUR budget's, and a currency of its own in the report.
    ann.select("#add-kind", "expense").await;
    select_text(&ann, "#add-account", "Dollars").await;
    select_text(&ann, "#add-category", "Groceries").await;
    ann.fill("#add-amount", "2,5").await;
    ann.fill("#add-note", "gum").await;
    ann.click("#add-form button[type=submit]").await;
    ann.wait_for_text("#transaction-list", "gum").await;
    ann.wait_for_count("#transaction-list > li", 4).await;

    ann.goto(&stack.url("/budgets")).await;
    ann.wait_for_text("#budget-list", "Nearly spent: 87%").await;
    assert_eq!(data_state(&ann, "#budget-list .budget").await, "warning");

    // Ann corrects Ben's expense in place: the budget goes red.
    ann.goto(&stack.url("/transactions")).await;
    click_in_item(&ann, "#transaction-list", "market", "button.edit").await;
    ann.wait_visible("#edit-amount").await;
    assert_eq!(ann.value("#edit-amount").await, "12.50");
    ann.fill("#edit-amount", "16").await;
    ann.fill("#edit-note", "market, corrected").await;
    ann.click("#transaction-list form button[type=submit]")
        .await;
    ann.wait_for_text("#status", "Saved").await;
    ann.wait_for_text("#transaction-list", "market, corrected")
        .await;
    ann.wait_for_text("#transaction-list", "16.00").await;

    // The filters: transfers only, then everything again.
    ann.select("#filter-kind", "transfer").await;
    ann.click("#filter-form button[type=submit]").await;
    ann.wait_for_count("#transaction-list > li", 1).await;
    assert!(ann.text("#transaction-list").await.contains("Transfer"));
    ann.click("#filter-clear").await;
    ann.wait_for_count("#transaction-list > li", 4).await;
    ann.screenshots("transactions-edit").await;

    ann.goto(&stack.url("/budgets")).await;
    ann.wait_for_text("#budget-list", "Over budget: 105%").await;
    assert_eq!(data_state(&ann, "#budget-list .budget").await, "over");

    // Ann deletes her own: back to amber.
    ann.goto(&stack.url("/transactions")).await;
    click_in_item(&ann, "#transaction-list", "bakery", "button.delete").await;
    ann.wait_for_text("#transaction-list", "Really delete?")
        .await;
    click_in_item(&ann, "#transaction-list", "bakery", "button.delete").await;
    ann.wait_for_text("#status", "Deleted").await;
    ann.wait_for_count("#transaction-list > li", 3).await;
    ann.goto(&stack.url("/budgets")).await;
    ann.wait_for_text("#budget-list", "Nearly spent: 80%").await;
    assert_eq!(data_state(&ann, "#budget-list .budget").await, "warning");
    ann.screenshots("budgets").await;

    // A goal, and Ben puts money towards it.
    ann.goto(&stack.url("/goals")).await;
    ann.wait_visible("#goal-form").await;
    ann.fill("#goal-name", "Bike").await;
    ann.fill("#goal-target", "200").await;
    ann.click("#goal-form button[type=submit]").await;
    ann.wait_for_text("#goal-list", "0% saved").await;
    ben.goto(&stack.url("/goals")).await;
    click_in_item(&ben, "#goal-list", "Bike", "button.contribute").await;
    ben.fill("#goal-list form input[name=amount]", "50").await;
    ben.click("#goal-list form button[type=submit]").await;
    ben.wait_for_text("#status", "Put €50.00 towards Bike")
        .await;
    ben.wait_for_text("#goal-list", "25% saved").await;
    ben.wait_for_text("#goal-list", "€50.00 of €200.00").await;
    ben.screenshots("goals").await;

    // The report reads the same totals: 16.00 spent, the transfer in neither.
    ann.goto(&stack.url("/reports")).await;
    let spent = "#summary .report-currency[data-currency='EUR'] td[data-total='expense']";
    ann.wait_for_text(spent, "16.00").await;
    ann.wait_for_text(
        "#summary .report-currency[data-currency='EUR'] td[data-total='income']",
        "0.00",
    )
    .await;
    let chart = "return document.querySelector('#summary svg').textContent;";
    let chart = ann.eval(chart).await;
    assert!(
        chart.as_str().unwrap().contains("Groceries") && chart.as_str().unwrap().contains("€16.00"),
        "{chart}"
    );
    ann.wait_for_text("#months tbody tr:last-child .expense", "16.00")
        .await;
    assert_eq!(ann.count("#months tbody tr").await, 12);
    ann.screenshots("reports").await;
    ann.wait_for_text(
        "#summary .report-currency[data-currency='USD'] td[data-total='expense']",
        "$2.50",
    )
    .await;
    ann.scroll_to("#months-title").await;
    ann.screenshots("reports-months").await;
    // The 12 months in the other currency.
    ann.select("#months-currency", "USD").await;
    ann.wait_for_text("#months-note", "In USD").await;
    ann.wait_for_text("#months tbody tr:last-child .expense", "$2.50")
        .await;

    // The CSV of the period, as the API gives it.
    let from = ann.value("#period-from").await;
    let to = ann.value("#period-to").await;
    ann.click("#download-csv").await;
    ann.wait_for_text("#csv-status", "Downloaded").await;
    let (name, csv) = ann.downloaded("transactions-").await;
    assert_eq!(name, format!("transactions-{from}-{to}.csv"));
    let (token, _) = log_in_elsewhere(&stack, &ann_address).await;
    let families = finance_get(&stack, &token, "/families").await;
    let family = families["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Ann's home")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let expected = client()
        .get(format!(
            "{}/api/v1/families/{family}/reports/transactions.csv?from={from}&to={to}",
            stack.finance
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv, expected);
    assert!(
        csv.contains("16.00") && csv.contains("market, corrected"),
        "{csv}"
    );

    // Ann makes Ben a viewer while his page still offers the form: the API's 403
    // is said in words, and after a reload the controls are gone.
    ben.goto(&stack.url("/transactions")).await;
    ben.wait_visible("#add").await;
    ann.goto(&stack.url("/family")).await;
    let demote = "const item = [...document.querySelectorAll('#member-list > li')].find((li) => \
                  li.textContent.includes('Ben')); item.querySelector('select').value = 'viewer'; \
                  item.querySelector('button').click(); return true;";
    ann.wait_for_text("#member-list", "Ben").await;
    ann.eval(demote).await;
    ann.wait_for_text("#status", "Ben is a viewer now").await;
    ben.fill("#add-amount", "3").await;
    select_text(&ben, "#add-category", "Groceries").await;
    ben.click("#add-form button[type=submit]").await;
    ben.wait_for_text("#add-form .form-error", "does not allow this")
        .await;
    // The message names the page with the owners, and links to it.
    ben.wait_for_text("#add-form .form-error a[href='/family']", "the Family page")
        .await;
    ben.goto(&stack.url("/transactions")).await;
    ben.wait_for_text("#transaction-list", "market").await;
    let hidden = "return document.querySelector('#add').hidden;";
    assert_eq!(ben.eval(hidden).await, true);
    assert_eq!(ben.count("#transaction-list button").await, 0);
    ben.goto(&stack.url("/goals")).await;
    ben.wait_for_text("#goal-list", "Bike").await;
    assert_eq!(ben.count("#goal-list button").await, 0);
    ben.goto(&stack.url("/budgets")).await;
    ben.wait_for_text("#budget-list", "80%").await;
    assert_eq!(ben.count("#budget-rows button").await, 0);
    ben.goto(&stack.url("/accounts")).await;
    ben.wait_for_text("#account-rows", "Wallet").await;
    assert_eq!(
        ben.count("#account-rows button, #expense-tree button")
            .await,
        0
    );
    ben.screenshots("accounts-viewer").await;
    ben.goto(&stack.url("/family")).await;
    ben.wait_for_text("#family-line", "you are a viewer here")
        .await;
    let owner_parts = "return [...document.querySelectorAll('.owner-only')].every((s) => s.hidden) \
                       && !document.querySelector('#member-list select');";
    assert_eq!(ben.eval(owner_parts).await, true);
    ben.quit().await;
    ann.quit().await;
}

/// Sets the value of a date, month or other input the way a picker would.
async fn set_value(browser: &Browser, css: &str, value: &str) {
    browser.find(css).await;
    let script = format!(
        "const i = document.querySelector('{css}'); i.value = {value:?}; \
         i.dispatchEvent(new Event('input', {{bubbles: true}})); return i.value;"
    );
    assert_eq!(browser.eval(&script).await, value, "{css}");
}

#[tokio::test]
async fn one_person_keeps_accounts_budgets_goals_reports_and_families_in_order() {
    browser_or_skip!();
    let stack = spawn_stack(&[]).await;
    let address = email("cat");
    stack.register_directly(&address).await;
    let browser = Browser::start().await;
    browser.goto(&stack.url("/accounts")).await;
    browser.wait_for_path("/login?next=%2Faccounts").await;
    log_in(&browser, &address, PASSWORD).await;
    browser.wait_for_path("/accounts").await;

    // Two accounts; the opening balance changed in place moves the balance; one archived.
    browser.wait_visible("#account-form").await;
    browser.fill("#account-name", "Bank").await;
    browser.fill("#account-opening", "200").await;
    browser.click("#account-form button[type=submit]").await;
    browser.wait_for_text("#account-rows", "Bank").await;
    browser.fill("#account-name", "Old card").await;
    browser.fill("#account-opening", "-12,30").await;
    browser.click("#account-form button[type=submit]").await;
    browser.wait_for_text("#account-rows", "-€12.30").await;
    browser
        .click("#account-rows button[aria-label='Edit Bank']")
        .await;
    browser.fill("#edit-account-opening_balance", "250").await;
    browser.screenshots("accounts-edit").await;
    browser
        .click("#account-rows form button[type=submit]")
        .await;
    browser
        .wait_for_text("#status", "Saved the account Bank")
        .await;
    browser.wait_for_text("#account-rows", "€250.00").await;
    browser
        .click("#account-rows button[aria-label='Archive Old card']")
        .await;
    browser
        .wait_for_text("#status", "Archived the account Old card")
        .await;
    browser.wait_for_text("#account-rows", "archived").await;
    // A subcategory moved out to be a main one.
    browser.fill("#category-name", "Tram").await;
    select_text(&browser, "#category-parent", "Transport").await;
    browser.click("#category-form button[type=submit]").await;
    browser.wait_for_text("#expense-tree li li", "Tram").await;
    browser
        .click("#expense-tree button[aria-label='Rename or move Tram']")
        .await;
    browser.select("#rename-category-parent_id", "").await;
    browser
        .click("#expense-tree form button[type=submit]")
        .await;
    browser
        .wait_for_text("#status", "It is a main category now")
        .await;
    assert_eq!(browser.count("#expense-tree li li").await, 0);
    // A name in use is said in words.
    browser.fill("#category-name", "groceries").await;
    browser.click("#category-form button[type=submit]").await;
    browser
        .wait_for_text("#category-form .form-error", "That name is taken")
        .await;

    // An archived account takes nothing new: the form does not offer it.
    browser.goto(&stack.url("/transactions")).await;
    browser.wait_visible("#add").await;
    let offered = "return [...document.querySelector('#add-account').options].map((o) => o.text);";
    assert_eq!(browser.eval(offered).await, json!(["Bank (EUR)"]));
    // An expense last month, dated with the picker.
    let last_month = browser
        .eval(
            "const d = new Date(); d.setDate(1); d.setMonth(d.getMonth() - 1); \
             const first = new Date(d); const last = new Date(d.getFullYear(), d.getMonth() + 1, 0); \
             const iso = (x) => `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, '0')}-${String(x.getDate()).padStart(2, '0')}`; \
             d.setDate(15); return [iso(first), iso(d), iso(last)];",
        )
        .await;
    let [first, mid, last] = [0, 1, 2].map(|i| last_month[i].as_str().unwrap().to_owned());
    browser.fill("#add-amount", "30").await;
    select_text(&browser, "#add-category", "Groceries").await;
    set_value(&browser, "#add-date", &mid).await;
    browser.click("#add-form button[type=submit]").await;
    browser.wait_for_text("#transaction-list", "€30.00").await;
    let shown_date = browser
        .eval("return document.querySelector('#transaction-list time').dateTime;")
        .await;
    assert!(
        shown_date.as_str().unwrap().starts_with(&mid[..7]),
        "{shown_date}"
    );

    // Edit in place with the keyboard: focus goes into the form and back.
    const ENTER: &str = "\u{E007}";
    browser
        .find("#transaction-list button.edit")
        .await
        .send_keys(ENTER)
        .await
        .unwrap();
    assert_eq!(
        browser.eval("return document.activeElement.id").await,
        "edit-amount"
    );
    browser.screenshots("transactions-edit-form").await;
    // Escape leaves the form, as Cancel does, and the focus is back on Edit.
    const ESCAPE: &str = "\u{E00C}";
    browser
        .find("#edit-amount")
        .await
        .send_keys(ESCAPE)
        .await
        .unwrap();
    assert_eq!(browser.count("#transaction-list form").await, 0);
    assert_eq!(
        browser
            .eval("return document.activeElement.className")
            .await,
        "secondary edit"
    );

    // A budget with rollover: last month's unspent rest adds to this month.
    browser.goto(&stack.url("/budgets")).await;
    browser.wait_visible("#budget-form").await;
    select_text(&browser, "#budget-category", "Groceries").await;
    browser.fill("#budget-limit", "100").await;
    browser.click("#budget-rollover").await;
    browser.click("#budget-form button[type=submit]").await;
    browser.wait_for_text("#budget-rows", "€100.00").await;
    browser.wait_for_text("#budget-rows", "Yes").await;
    browser
        .wait_for_text("#budget-list", "€70.00 carried over")
        .await;
    browser
        .click("#budget-rows button[aria-label='Change the budget for Groceries']")
        .await;
    browser.fill("#edit-budget-limit", "80,5").await;
    browser.click("#budget-rows form button[type=submit]").await;
    browser
        .wait_for_text("#status", "Changed the budget for Groceries")
        .await;
    browser.wait_for_text("#budget-rows", "€80.50").await;
    browser
        .wait_for_text("#budget-list", "€50.50 carried over")
        .await;
    browser.screenshots("budgets-rollover").await;
    // The month picker: last month shows its own spending.
    set_value(&browser, "#month", &first[..7]).await;
    browser.click("#month-form button[type=submit]").await;
    browser
        .wait_for_text("#budget-period", &format!("{first} to {last}"))
        .await;
    browser.wait_for_text("#budget-list", "€30.00 of").await;

    // A goal: money in, too much out is refused in words, some out.
    browser.goto(&stack.url("/goals")).await;
    browser.wait_visible("#goal-form").await;
    browser.fill("#goal-name", "Trip").await;
    browser.fill("#goal-target", "100").await;
    browser.click("#goal-form button[type=submit]").await;
    click_in_item(&browser, "#goal-list", "Trip", "button.contribute").await;
    browser
        .fill("#goal-list form input[name=amount]", "40")
        .await;
    browser.click("#goal-list form button[type=submit]").await;
    browser.wait_for_text("#goal-list", "40% saved").await;
    click_in_item(&browser, "#goal-list", "Trip", "button.contribute").await;
    browser.select("#goal-list form select", "out").await;
    browser
        .fill("#goal-list form input[name=amount]", "50")
        .await;
    browser.click("#goal-list form button[type=submit]").await;
    browser
        .wait_for_text("#goal-list form .form-error", "correct the fields")
        .await;
    browser.screenshots("goals-withdrawal-refused").await;
    browser
        .fill("#goal-list form input[name=amount]", "15")
        .await;
    browser.click("#goal-list form button[type=submit]").await;
    browser
        .wait_for_text("#status", "Took back €15.00 from Trip")
        .await;
    browser.wait_for_text("#goal-list", "25% saved").await;

    // Reports for last month, picked: the expense is there, and in its month's row.
    browser.goto(&stack.url("/reports")).await;
    browser.wait_for_text("#summary-period", "to").await;
    set_value(&browser, "#period-from", &first).await;
    set_value(&browser, "#period-to", &last).await;
    browser.click("#period-form button[type=submit]").await;
    browser
        .wait_for_text("#summary-period", &format!("{first} to {last}"))
        .await;
    browser
        .wait_for_text("#summary td[data-total='expense']", "€30.00")
        .await;
    browser
        .wait_for_text(
            &format!("#months tr[data-from='{first}'] .expense"),
            "€30.00",
        )
        .await;
    // A category's name leads to its transactions of the period, the filters set.
    browser.click("#summary tbody th a").await;
    browser.wait_for_path("/transactions?category_id=").await;
    browser.wait_for_count("#transaction-list > li", 1).await;
    browser.wait_for_text("#transaction-list", "€30.00").await;
    assert_eq!(browser.value("#filter-from").await, first);
    assert_eq!(browser.value("#filter-to").await, last);
    assert_ne!(browser.value("#filter-category").await, "");
    browser.goto(&stack.url("/reports")).await;
    browser.wait_for_count("#months tbody tr", 12).await;
    // A period that ends before it starts is refused on the page.
    set_value(&browser, "#period-to", "2000-01-01").await;
    browser.click("#period-form button[type=submit]").await;
    browser
        .wait_for_text("#period-to-error", "on or after")
        .await;

    // The only owner cannot step down; another family is started and shown.
    browser.goto(&stack.url("/family")).await;
    browser.wait_for_text("#member-list", "(you)").await;
    browser.select("#member-list select", "member").await;
    browser.click("#member-list button").await;
    browser
        .wait_for_text("#status", "A family always keeps one owner")
        .await;
    // Without TELEGRAM_BOT_USERNAME, an invite shows the message to send the bot.
    browser.click("#invite-form button[type=submit]").await;
    browser.wait_visible("#invite").await;
    let link = browser.value("#invite-link").await;
    let code = link.rsplit_once("?code=").unwrap().1.to_owned();
    assert_eq!(
        browser.value("#invite-telegram").await,
        format!("/start join_{code}")
    );
    assert_eq!(
        browser
            .eval("return document.querySelector('#invite-telegram-open').hidden;")
            .await,
        Value::Bool(true)
    );
    browser.fill("#new-family-name", "Holiday fund").await;
    browser.fill("#new-family-currency", "usd").await;
    browser.click("#new-family-form button[type=submit]").await;
    browser
        .wait_for_text("#status", "Started Holiday fund")
        .await;
    browser.wait_for_text("#family-line", "Holiday fund").await;
    browser.wait_visible("#family-switch").await;
    browser.goto(&stack.url("/accounts")).await;
    browser.wait_for_text("#family-line", "Holiday fund").await;
    browser
        .wait_for_text("#no-accounts", "No accounts yet")
        .await;

    // An invite link that does not work says so.
    browser.goto(&stack.url("/join?code=not-a-real-code")).await;
    browser.click("#join-button").await;
    browser
        .wait_for_text("#join-error", "expired or was already used")
        .await;
    browser.quit().await;
}
