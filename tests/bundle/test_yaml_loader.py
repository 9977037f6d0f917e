"""Reading YAML into located nodes: types, anchors, merge keys and the mistakes users make."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.nodes import to_plain
from mlops_stacks.bundle.yaml_loader import MAX_DEPTH, load_yaml_file, parse_yaml


def test_scalars_get_yaml_types_and_quoted_text_stays_text() -> None:
    node, diags = parse_yaml(
        "a: 1\nb: 1.5\nc: true\nd: null\ne: '1'\nf: 2024-01-01\ng: text\nh: ~\ni: 0x10\n"
        "j: 'true'\nk: !!str 3\n", "f.yml")
    assert not diags
    assert to_plain(node) == {"a": 1, "b": 1.5, "c": True, "d": None, "e": "1",
                              "f": "2024-01-01", "g": "text", "h": None, "i": 16,
                              "j": "true", "k": "3"}


def test_locations_are_one_based() -> None:
    node, _ = parse_yaml("bundle:\n  name: demo\nlist:\n  - x\n", "f.yml")
    name = node.at("bundle", "name")
    assert (name.loc.file, name.loc.line, name.loc.column) == ("f.yml", 2, 9)
    assert (node.at("list", 0).loc.line, node.at("list", 0).loc.column) == (4, 5)


def test_anchors_aliases_and_merge_keys_give_independent_copies() -> None:
    text = ("base: &b {x: 1, tags: {t: a}}\n"
            "one:\n  <<: *b\n  x: 2\n"
            "two: *b\n"
            "many:\n  <<: [*b, {y: 3}]\n")
    node, diags = parse_yaml(text, "f.yml")
    assert not diags
    assert to_plain(node) == {"base": {"x": 1, "tags": {"t": "a"}},
                              "one": {"x": 2, "tags": {"t": "a"}},
                              "two": {"x": 1, "tags": {"t": "a"}},
                              "many": {"x": 1, "tags": {"t": "a"}, "y": 3}}
    assert node.at("one", "tags") is not node.at("two", "tags")


def test_duplicate_keys_are_errors_naming_both_lines() -> None:
    node, diags = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yml")
    (err,) = diags
    assert err.summary == 'duplicate key "a"'
    assert [loc.line for loc in err.locations] == [3, 1]
    assert to_plain(node) == {"a": 1, "b": 2}


def test_a_second_merge_key_is_an_error_as_in_the_cli() -> None:
    text = "a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n"
    _, diags = parse_yaml(text, "f.yml")
    (err,) = diags
    assert err.summary == "duplicate merge key <<" and err.location.line == 5
    assert "<<: [*first, *second]" in err.detail


def test_syntax_error_points_at_the_line() -> None:
    node, diags = parse_yaml("a:\n  b: [1, 2\nc: 3\n", "f.yml")
    assert node is None
    assert diags[0].summary.startswith("invalid YAML")
    assert diags[0].location.line == 3


def test_tabs_undefined_alias_and_second_document() -> None:
    _, diags = parse_yaml("a:\n\tb: 1\n", "f.yml")
    assert diags[0].summary == "tab character used for indentation"
    _, diags = parse_yaml("a: *nope\n", "f.yml")
    assert "undefined alias" in diags[0].summary
    _, diags = parse_yaml("a: 1\n---\nb: 2\n", "f.yml")
    assert diags[0].summary == "a bundle file holds one YAML document; found another"
    assert diags[0].location.line == 2


def test_complex_keys_are_errors() -> None:
    _, diags = parse_yaml("? [a, b]\n: 1\n", "f.yml")
    assert diags[0].summary == "mapping keys must be plain strings"


def test_empty_and_comment_only_files_are_null() -> None:
    for text in ("", "# just a comment\n", "---\n"):
        node, diags = parse_yaml(text, "f.yml")
        assert node is not None and node.value is None and not diags


def test_too_deep_nesting_is_an_error() -> None:
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    node, diags = parse_yaml(text, "f.yml")
    assert node is None and "deeper than" in diags[0].summary


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    (tmp_path / "bin.yml").write_bytes(b"a: \x00\x01")
    (tmp_path / "latin.yml").write_bytes(b"a: 1\nb: caf\xe9\n")
    assert load_yaml_file(tmp_path / "bin.yml")[1][0].summary == "file is binary, not YAML text"
    latin = load_yaml_file(tmp_path / "latin.yml")[1][0]
    assert latin.summary == "file is not valid UTF-8 text" and latin.location.line == 2
    assert load_yaml_file(tmp_path / "missing.yml")[1][0].summary.startswith("file not found")
