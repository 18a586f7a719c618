//! The order templated values resolve in: a dependency graph between them (through the
//! tables and arrays that hold them), its strongly connected components (Tarjan), and the
//! cycles among them.

use std::collections::HashMap;

use super::Template;
use crate::profile::node;

/// The dependency graph: node `i < n` is template `i`, the rest are the tables and arrays
/// that hold templates. Edges point from a node to what it needs first.
pub(super) struct Graph {
    templates: usize,
    edges: Vec<Vec<usize>>,
}

impl Graph {
    pub(super) fn new(templates: &[Template], references: &[Vec<String>]) -> Self {
        let n = templates.len();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut ids: HashMap<String, usize> = HashMap::with_capacity(n * 2);
        for (i, t) in templates.iter().enumerate() {
            ids.insert(t.path.clone(), i);
        }
        // A table (or array) needs every template inside it: link each template to its
        // parent, each new parent to its own, stopping at the first parent already linked.
        for (i, t) in templates.iter().enumerate() {
            let mut child = i;
            for depth in (1..t.segments.len()).rev() {
                let key = node::path_string(&t.segments[..depth]);
                match ids.get(&key) {
                    Some(&group) => {
                        edges[group].push(child);
                        break;
                    }
                    None => {
                        let group = edges.len();
                        edges.push(vec![child]);
                        ids.insert(key, group);
                        child = group;
                    }
                }
            }
        }
        // A template needs what its references name: the template or table at that path,
        // or the template the path runs into.
        for (i, refs) in references.iter().enumerate() {
            for reference in refs {
                let mut key = String::new();
                let keys: Vec<&str> = reference.split('.').collect();
                for (depth, k) in keys.iter().enumerate() {
                    key = node::join(&key, k);
                    match ids.get(&key) {
                        Some(&target) if target < n || depth + 1 == keys.len() => {
                            edges[i].push(target);
                            break;
                        }
                        Some(_) => {}
                        None => break,
                    }
                }
            }
        }
        Graph {
            templates: n,
            edges,
        }
    }

    /// Strongly connected components (Tarjan, without recursion: a chain of references is
    /// as long as the profile makes it), each dependencies first. Returns the component of
    /// every node and the components in that order.
    pub(super) fn components(&self) -> Components {
        let count = self.edges.len();
        let mut index = vec![usize::MAX; count];
        let mut low = vec![0; count];
        let mut on_stack = vec![false; count];
        let mut stack = Vec::new();
        let mut component = vec![usize::MAX; count];
        let mut sizes = Vec::new();
        let mut order = Vec::new();
        let mut next = 0;
        for start in 0..count {
            if index[start] != usize::MAX {
                continue;
            }
            // (node, next edge to look at)
            let mut work = vec![(start, 0usize)];
            index[start] = next;
            low[start] = next;
            next += 1;
            stack.push(start);
            on_stack[start] = true;
            while let Some(&(v, e)) = work.last() {
                if let Some(&w) = self.edges[v].get(e) {
                    if let Some(top) = work.last_mut() {
                        top.1 += 1;
                    }
                    if index[w] == usize::MAX {
                        index[w] = next;
                        low[w] = next;
                        next += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let id = sizes.len();
                    let mut size = 0;
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component[w] = id;
                        order.push(w);
                        size += 1;
                        if w == v {
                            break;
                        }
                    }
                    sizes.push(size);
                }
            }
        }
        Components {
            of: component,
            sizes,
            order,
        }
    }

    /// Whether template `t` needs itself, directly or through others.
    pub(super) fn on_cycle(&self, t: usize, c: &Components) -> bool {
        c.sizes[c.of[t]] > 1 || self.edges[t].contains(&t)
    }

    /// The level of each template: 0 when it reads no template, else one more than the
    /// highest level it reads. Needs an acyclic graph.
    pub(super) fn levels(&self, c: &Components) -> Vec<usize> {
        // The level at which each node's value is final.
        let mut done: Vec<usize> = vec![0; self.edges.len()];
        for &v in &c.order {
            let highest = self.edges[v].iter().map(|&w| done[w]).max();
            done[v] = if v < self.templates {
                highest.map_or(0, |h| h + 1)
            } else {
                highest.unwrap_or(0)
            };
        }
        done.truncate(self.templates);
        done
    }
}

/// Tarjan's result: the component of each node, component sizes, nodes dependencies first.
pub(super) struct Components {
    of: Vec<usize>,
    sizes: Vec<usize>,
    order: Vec<usize>,
}
