//! The start order of a node's applications: each after the ones it depends on, otherwise in
//! the order they were given (as a release's boot script orders them).

use super::BootError;

/// The indices of `apps` (name, dependencies) in start order.
///
/// # Errors
///
/// A name given twice, a dependency that is not among `apps`, or a cycle: found before
/// anything starts.
pub(crate) fn start_order(
    apps: &[(&'static str, &'static [&'static str])],
) -> Result<Vec<usize>, BootError> {
    for (i, (name, _)) in apps.iter().enumerate() {
        if apps[..i].iter().any(|(n, _)| n == name) {
            return Err(BootError::Duplicate(name));
        }
    }
    let mut order = Vec::with_capacity(apps.len());
    let mut state = vec![Mark::New; apps.len()];
    let mut path = Vec::new();
    for i in 0..apps.len() {
        visit(apps, i, &mut state, &mut path, &mut order)?;
    }
    Ok(order)
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    New,
    /// On the current path: meeting it again closes a cycle.
    Visiting,
    Done,
}

/// Depth first, dependencies in their listed order, then the application itself.
fn visit(
    apps: &[(&'static str, &'static [&'static str])],
    i: usize,
    state: &mut [Mark],
    path: &mut Vec<usize>,
    order: &mut Vec<usize>,
) -> Result<(), BootError> {
    match state[i] {
        Mark::Done => return Ok(()),
        Mark::Visiting => {
            let from = path.iter().position(|&p| p == i).expect("on the path");
            let mut cycle: Vec<&'static str> = path[from..].iter().map(|&p| apps[p].0).collect();
            cycle.push(apps[i].0);
            return Err(BootError::DependencyCycle(cycle));
        }
        Mark::New => {}
    }
    state[i] = Mark::Visiting;
    path.push(i);
    let (name, deps) = apps[i];
    for dep in deps {
        let Some(d) = apps.iter().position(|(n, _)| n == dep) else {
            return Err(BootError::MissingDependency {
                application: name,
                dependency: dep,
            });
        };
        visit(apps, d, state, path, order)?;
    }
    path.pop();
    state[i] = Mark::Done;
    order.push(i);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(
        apps: &[(&'static str, &'static [&'static str])],
    ) -> Result<Vec<&'static str>, BootError> {
        start_order(apps).map(|o| o.into_iter().map(|i| apps[i].0).collect())
    }

    #[test]
    fn dependencies_start_first_and_the_rest_keep_their_order() {
        let apps: &[(&str, &[&str])] = &[
            ("web", &["db", "cache"]),
            ("metrics", &[]),
            ("cache", &["db"]),
            ("db", &[]),
        ];
        assert_eq!(names(apps), Ok(vec!["db", "cache", "web", "metrics"]));
    }

    #[test]
    fn a_missing_dependency_is_named() {
        let apps: &[(&str, &[&str])] = &[("web", &["db"])];
        assert_eq!(
            names(apps),
            Err(BootError::MissingDependency {
                application: "web",
                dependency: "db"
            })
        );
    }

    #[test]
    fn a_cycle_is_named_along_its_path() {
        let apps: &[(&str, &[&str])] = &[("a", &["b"]), ("b", &["c"]), ("c", &["b"])];
        assert_eq!(
            names(apps),
            Err(BootError::DependencyCycle(vec!["b", "c", "b"]))
        );
        let apps: &[(&str, &[&str])] = &[("a", &["a"])];
        assert_eq!(names(apps), Err(BootError::DependencyCycle(vec!["a", "a"])));
    }

    #[test]
    fn a_name_given_twice_is_refused() {
        let apps: &[(&str, &[&str])] = &[("a", &[]), ("a", &[])];
        assert_eq!(names(apps), Err(BootError::Duplicate("a")));
    }
}
