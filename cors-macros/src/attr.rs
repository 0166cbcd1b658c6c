//! Parsing the arguments of `#[cors(...)]`: keys from `cors-core`'s
//! [`Setting`] table, values as literals, every mistake a `syn::Error` on the
//! token at fault.

use cors_core::{closest, Setting};
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitBool, LitInt, LitStr, Meta, Token};

use crate::errors::Errors;

/// The bare flag that opts a handler out of CORS.
pub(crate) const DISABLE: &str = "disable";

/// The arguments of one `#[cors(...)]`, as far as they could be read.
#[derive(Debug, Default)]
pub(crate) struct CorsArgs {
    /// The settings given, in source order, each at most once.
    pub(crate) given: Vec<Given>,
    /// The `disable` flag, if written.
    pub(crate) disable: Option<Span>,
}

impl CorsArgs {
    /// The value given for `setting`, if any.
    pub(crate) fn get(&self, setting: Setting) -> Option<&Given> {
        self.given.iter().find(|g| g.setting == setting)
    }
}

/// One `key = value` whose value has the right type.
#[derive(Debug)]
pub(crate) struct Given {
    pub(crate) setting: Setting,
    /// The key as written, for errors about the setting as a whole.
    pub(crate) key: syn::Ident,
    pub(crate) value: Value,
}

/// A value of the type its key takes.
#[derive(Debug)]
pub(crate) enum Value {
    /// `["…", "…"]`: origins, regexes, methods, headers, exposed headers;
    /// with the span of the whole array.
    List(Span, Vec<LitStr>),
    /// `true` or `false`.
    Bool(LitBool),
    /// A whole number of seconds.
    Int(LitInt, u64),
}

impl Value {
    /// The span of the whole value, for errors about it as a whole.
    pub(crate) fn span(&self) -> Span {
        match self {
            Value::List(span, _) => *span,
            Value::Bool(lit) => lit.span(),
            Value::Int(lit, _) => lit.span(),
        }
    }
}

/// The type of value each key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    List,
    Bool,
    Seconds,
}

fn kind(setting: Setting) -> Kind {
    match setting {
        Setting::AllowCredentials
        | Setting::AllowPrivateNetwork
        | Setting::TimingAllowOrigin
        | Setting::CrossOriginProtection => Kind::Bool,
        Setting::MaxAge => Kind::Seconds,
        _ => Kind::List,
    }
}

/// An example value for `setting`, for "expected …" messages.
fn example(setting: Setting) -> &'static str {
    match setting {
        Setting::AllowedOrigins => r#"["https://app.example.com"]"#,
        Setting::AllowedOriginRegexes => r#"[r"https://pr-\d+\.example\.com"]"#,
        Setting::AllowedMethods => r#"["GET", "POST"]"#,
        Setting::AllowedHeaders => r#"["content-type"]"#,
        Setting::ExposeHeaders => r#"["x-request-id"]"#,
        Setting::MaxAge => "600",
        _ => "true",
    }
}

/// Every key, generated from the table, for "expected one of …".
pub(crate) fn expected_keys() -> String {
    Setting::ALL
        .iter()
        .map(|s| s.macro_key())
        .chain([DISABLE])
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key a mistyped or foreign name most likely meant: a near miss of a
/// key, or of a builder method (`allowed_origins`, `allow_credentials`).
pub(crate) fn suggest_key(name: &str) -> Option<&'static str> {
    let keys = Setting::ALL.map(Setting::macro_key);
    if let Some(key) = closest(name, keys.iter().copied().chain([DISABLE])) {
        return Some(key);
    }
    let methods = Setting::ALL.map(Setting::builder_method);
    let method = closest(name, methods)?;
    Setting::ALL
        .into_iter()
        .find(|s| s.builder_method() == method)
        .map(Setting::macro_key)
}

/// Parses the arguments of `#[cors(...)]`, reporting every mistake into
/// `errors` and keeping every key that could be read.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> CorsArgs {
    let mut parsed = CorsArgs::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(metas) => metas,
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                format!(
                    "{e}; `#[cors]` takes `key = value` pairs, such as \
                     `#[cors(origins = [\"https://app.example.com\"], credentials = true)]`"
                ),
            ));
            return parsed;
        }
    };
    let mut seen: Vec<String> = Vec::new();
    for meta in metas {
        let Some(key) = meta.path().get_ident().cloned() else {
            errors.push(unknown_key(
                meta.path(),
                &meta.path().to_token_stream().to_string(),
            ));
            continue;
        };
        let name = key.to_string();
        let setting = Setting::from_macro_key(&name);
        if setting.is_none() && name != DISABLE {
            errors.push(unknown_key(&key, &name));
            continue;
        }
        if seen.contains(&name) {
            errors.push(syn::Error::new(
                key.span(),
                format!(
                    "duplicate key `{name}`: it is already given earlier in this `#[cors(...)]`; \
                     give it once"
                ),
            ));
            continue;
        }
        seen.push(name.clone());
        let Some(setting) = setting else {
            // `disable`: a bare flag.
            match &meta {
                Meta::Path(_) => parsed.disable = Some(key.span()),
                Meta::NameValue(nv) => errors.push(syn::Error::new_spanned(
                    &nv.value,
                    "`disable` is a flag and takes no value: write `#[cors(disable)]` to turn \
                     CORS off for this handler, or remove it",
                )),
                Meta::List(list) => errors.push(syn::Error::new_spanned(
                    list,
                    "`disable` is a flag and takes no value: write `#[cors(disable)]`",
                )),
            }
            continue;
        };
        let value = match &meta {
            Meta::NameValue(nv) => &nv.value,
            Meta::Path(_) => {
                errors.push(syn::Error::new(
                    key.span(),
                    format!("`{name}` needs a value: `{name} = {}`", example(setting)),
                ));
                continue;
            }
            Meta::List(list) => {
                errors.push(syn::Error::new_spanned(
                    list,
                    format!("expected `{name} = {}`", example(setting)),
                ));
                continue;
            }
        };
        if let Some(value) = parse_value(setting, value, errors) {
            parsed.given.push(Given {
                setting,
                key,
                value,
            });
        }
    }
    parsed
}

fn unknown_key(at: impl ToTokens, name: &str) -> syn::Error {
    let hint = suggest_key(name)
        .map(|k| format!("did you mean `{k}`? "))
        .unwrap_or_default();
    syn::Error::new_spanned(
        at,
        format!(
            "unknown key `{name}` in `#[cors(...)]`; {hint}expected one of {}",
            expected_keys()
        ),
    )
}

/// Strips the groups a value may sit in when it comes from a `macro_rules!`
/// expansion, so `$origins` reads like a literal.
fn ungroup(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(g) => ungroup(&g.expr),
        Expr::Paren(p) => ungroup(&p.expr),
        other => other,
    }
}

fn parse_value(setting: Setting, value: &Expr, errors: &mut Errors) -> Option<Value> {
    let key = setting.macro_key();
    let value = ungroup(value);
    match kind(setting) {
        Kind::List => {
            let Expr::Array(array) = value else {
                let fix = match value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) => format!("`{key} = [{}]`", s.to_token_stream()),
                    _ => format!("`{key} = {}`", example(setting)),
                };
                errors.push(syn::Error::new_spanned(
                    value,
                    format!(
                        "expected an array of string literals for `{key}`, such as {fix} (the \
                         values are checked at compile time, so they must be literals)"
                    ),
                ));
                return None;
            };
            let mut items = Vec::with_capacity(array.elems.len());
            let mut ok = true;
            for elem in &array.elems {
                match ungroup(elem) {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) => items.push(s.clone()),
                    other => {
                        ok = false;
                        errors.push(syn::Error::new_spanned(
                            other,
                            format!(
                                "expected a string literal in `{key}`, such as `{key} = {}`",
                                example(setting)
                            ),
                        ));
                    }
                }
            }
            ok.then(|| Value::List(array.bracket_token.span.join(), items))
        }
        Kind::Bool => match value {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            }) => Some(Value::Bool(b.clone())),
            other => {
                let hint = match other {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) if matches!(s.value().as_str(), "true" | "false") => {
                        format!(", not a string: write `{key} = {}`", s.value())
                    }
                    _ => format!(": write `{key} = true` or `{key} = false`"),
                };
                errors.push(syn::Error::new_spanned(
                    other,
                    format!("expected `true` or `false` for `{key}`{hint}"),
                ));
                None
            }
        },
        Kind::Seconds => {
            let parsed = match value {
                Expr::Lit(ExprLit {
                    lit: Lit::Int(int), ..
                }) => int.base10_parse::<u64>().ok().map(|n| (int.clone(), n)),
                _ => None,
            };
            match parsed {
                Some((lit, n)) => Some(Value::Int(lit, n)),
                None => {
                    errors.push(syn::Error::new_spanned(
                        value,
                        format!(
                            "expected a whole number of seconds for `{key}`, such as \
                             `{key} = {}`",
                            example(setting)
                        ),
                    ));
                    None
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse_ok(tokens: TokenStream) -> CorsArgs {
        let mut errors = Errors::default();
        let args = parse(tokens, &mut errors);
        assert!(
            errors.is_empty(),
            "unexpected errors: {:?}",
            errors.messages()
        );
        args
    }

    fn messages(tokens: TokenStream) -> Vec<String> {
        let mut errors = Errors::default();
        let _ = parse(tokens, &mut errors);
        errors.messages()
    }

    #[test]
    fn every_key_of_the_table_is_read_with_its_type() {
        let args = parse_ok(quote! {
            origins = ["https://a.example", "https://*.b.example"],
            origin_regexes = [r"https://pr-\d+\.example\.dev"],
            methods = ["GET", "PUT"],
            headers = ["content-type"],
            expose = ["x-request-id"],
            credentials = true,
            max_age = 600,
            private_network = false,
            timing_allow_origin = true,
            cross_origin_protection = true,
        });
        assert_eq!(args.given.len(), Setting::ALL.len());
        for (given, setting) in args.given.iter().zip(Setting::ALL) {
            assert_eq!(given.setting, setting);
        }
        match &args.get(Setting::AllowedOrigins).unwrap().value {
            Value::List(_, items) => {
                let values: Vec<_> = items.iter().map(LitStr::value).collect();
                assert_eq!(values, ["https://a.example", "https://*.b.example"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            args.get(Setting::MaxAge).unwrap().value,
            Value::Int(_, 600)
        ));
        assert!(args.disable.is_none());
    }

    #[test]
    fn no_arguments_give_no_settings() {
        let args = parse_ok(quote! {});
        assert!(args.given.is_empty() && args.disable.is_none());
    }

    #[test]
    fn disable_is_a_bare_flag() {
        assert!(parse_ok(quote!(disable)).disable.is_some());
        assert_eq!(
            messages(quote!(disable = true)),
            ["`disable` is a flag and takes no value: write `#[cors(disable)]` to turn CORS off \
              for this handler, or remove it"]
        );
    }

    #[test]
    fn unknown_keys_suggest_the_closest_key_and_list_all() {
        let all = "expected one of `origins`, `origin_regexes`, `methods`, `headers`, \
                   `expose`, `credentials`, `max_age`, `private_network`, \
                   `timing_allow_origin`, `cross_origin_protection`, `disable`";
        assert_eq!(
            messages(quote!(origin = ["https://a.example"])),
            [format!(
                "unknown key `origin` in `#[cors(...)]`; did you mean `origins`? {all}"
            )]
        );
        assert_eq!(
            messages(quote!(allow_credentials = true)),
            [format!(
                "unknown key `allow_credentials` in `#[cors(...)]`; did you mean `credentials`? \
                 {all}"
            )]
        );
        assert_eq!(
            messages(quote!(allowed_methods = ["GET"])),
            [format!(
                "unknown key `allowed_methods` in `#[cors(...)]`; did you mean `methods`? {all}"
            )]
        );
        assert_eq!(
            messages(quote!(colour = true)),
            [format!("unknown key `colour` in `#[cors(...)]`; {all}")]
        );
    }

    #[test]
    fn a_duplicate_key_is_reported_once_on_its_second_occurrence() {
        let mut errors = Errors::default();
        let args = parse(
            quote!(max_age = 60, credentials = true, max_age = 120, max_age = 5),
            &mut errors,
        );
        assert_eq!(errors.messages().len(), 2);
        assert!(errors.messages()[0].starts_with("duplicate key `max_age`"));
        // The first occurrence is the one kept.
        assert!(matches!(
            args.get(Setting::MaxAge).unwrap().value,
            Value::Int(_, 60)
        ));
    }

    #[test]
    fn values_of_the_wrong_type_name_the_expected_type() {
        let cases: [(TokenStream, &str); 10] = [
            (
                quote!(origins = "https://a.example"),
                "expected an array of string literals for `origins`, such as \
                 `origins = [\"https://a.example\"]`",
            ),
            (
                quote!(methods = GET),
                "expected an array of string literals for `methods`, such as \
                 `methods = [\"GET\", \"POST\"]`",
            ),
            (
                quote!(headers = ["content-type", 42]),
                "expected a string literal in `headers`",
            ),
            (
                quote!(credentials = "true"),
                "expected `true` or `false` for `credentials`, not a string: write \
                 `credentials = true`",
            ),
            (
                quote!(private_network = 1),
                "expected `true` or `false` for `private_network`: write",
            ),
            (
                quote!(timing_allow_origin = "true"),
                "expected `true` or `false` for `timing_allow_origin`, not a string: write \
                 `timing_allow_origin = true`",
            ),
            (
                quote!(timing_allow_origin = ["*"]),
                "expected `true` or `false` for `timing_allow_origin`: write \
                 `timing_allow_origin = true` or `timing_allow_origin = false`",
            ),
            (
                quote!(max_age = "600"),
                "expected a whole number of seconds for `max_age`",
            ),
            (
                quote!(max_age = -1),
                "expected a whole number of seconds for `max_age`",
            ),
            (
                quote!(max_age = 1.5),
                "expected a whole number of seconds for `max_age`",
            ),
        ];
        for (tokens, expected) in cases {
            let text = tokens.to_string();
            let got = messages(tokens);
            assert_eq!(got.len(), 1, "{text}: {got:?}");
            assert!(got[0].starts_with(expected), "{text}: {got:?}");
        }
    }

    #[test]
    fn a_key_without_value_or_with_parentheses_shows_the_syntax() {
        assert_eq!(
            messages(quote!(origins)),
            ["`origins` needs a value: `origins = [\"https://app.example.com\"]`"]
        );
        assert_eq!(messages(quote!(max_age(600))), ["expected `max_age = 600`"]);
    }

    #[test]
    fn every_mistake_is_reported_and_good_keys_are_kept() {
        let mut errors = Errors::default();
        let args = parse(
            quote!(
                origin = ["x"],
                credentials = "yes",
                expose = ["x-id"],
                max_age = 1.0
            ),
            &mut errors,
        );
        assert_eq!(errors.messages().len(), 3);
        assert_eq!(args.given.len(), 1);
        assert_eq!(args.given[0].setting, Setting::ExposeHeaders);
    }

    #[test]
    fn malformed_syntax_is_one_error() {
        let got = messages(quote!(origins = ));
        assert_eq!(got.len(), 1);
        assert!(
            got[0].contains("`#[cors]` takes `key = value` pairs"),
            "{got:?}"
        );
    }
}
