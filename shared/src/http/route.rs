//! Matching request paths against route templates (`/api/v1/companies/{company_id}`). Used by the local
//! server and the tests; in AWS, API Gateway does the matching and hands us the path parameters.

/// Strip a stage prefix is not done here: callers pass the path below the stage.
/// A trailing slash is optional on every route (the React app calls `/metals` and `/metals/`).
pub fn match_path(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = Vec::new();
    for (ts, ps) in t.iter().zip(p.iter()) {
        if let Some(name) = ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if ps.is_empty() {
                return None;
            }
            params.push((name.to_string(), percent_decode(ps)));
        } else if ts != ps {
            return None;
        }
    }
    Some(params)
}

/// How specific a template is: literal segments beat parameters (`/metals/seed` before `/metals/{id}`).
pub fn specificity(template: &str) -> usize {
    template
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .count()
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_with_and_without_trailing_slash() {
        assert_eq!(
            match_path("/api/v1/metals/", "/api/v1/metals"),
            Some(vec![])
        );
        assert_eq!(
            match_path("/api/v1/metals/", "/api/v1/metals/"),
            Some(vec![])
        );
        assert_eq!(
            match_path("/api/v1/metals/{metal_id}", "/api/v1/metals/7/"),
            Some(vec![("metal_id".into(), "7".into())])
        );
    }

    #[test]
    fn refuses_other_shapes() {
        assert_eq!(
            match_path("/api/v1/metals/{metal_id}", "/api/v1/metals"),
            None
        );
        assert_eq!(match_path("/api/v1/metals/", "/api/v1/metals/7"), None);
        assert_eq!(match_path("/a/{x}", "/a//"), None);
    }

    #[test]
    fn decodes_parameters_and_ranks_literals_first() {
        assert_eq!(
            match_path("/m/{code}", "/m/GOLD%2024K"),
            Some(vec![("code".into(), "GOLD 24K".into())])
        );
        assert!(specificity("/api/v1/metals/seed") > specificity("/api/v1/metals/{metal_id}"));
    }
}
