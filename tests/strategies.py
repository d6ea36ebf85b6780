"""Hypothesis strategies for playbook-shaped JSON: right enough to reach every check."""

from __future__ import annotations

from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "kind",
                    "parent",
                    "branch",
                    "source",
                    "target",
                    "action",
                    "inputs",
                    "cases",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)
node_like = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["a", "b", "c", "t"]),
        "kind": st.sampled_from(["action", "switch", "foreach", "scope", "condition", "odd"]),
    },
    optional={
        "parent": st.sampled_from(["a", "b", "c", "t", "zz"]),
        "branch": json_values,
        "cases": json_values,
        "action": json_values,
        "inputs": json_values,
    },
)
edge_like = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["a", "b", "c", "t", "zz"]),
        "target": st.sampled_from(["a", "b", "c", "t", "zz"]),
    },
    optional={"branch": json_values},
)
playbook_like = st.fixed_dictionaries(
    {
        "format": st.just("soarflow.playbook/v1"),
        "name": st.text(min_size=1, max_size=20).filter(str.strip),
        "trigger": json_values | st.just({"id": "t", "type": "x.y"}),
        "nodes": st.lists(node_like | json_values, max_size=6),
        "edges": st.lists(edge_like | json_values, max_size=6),
    },
    optional={"description": json_values, "variables": json_values, "layout": json_values},
)
