#!/usr/bin/env python3
"""Checks every PromQL expression of the project against a live Prometheus.

    scripts/check-expressions.py --prometheus http://127.0.0.1:9090
        [--rules deploy/prometheus/rules] [--dashboards deploy/grafana/dashboards]
        [--allow-missing NAME]... [--verbose]
    scripts/check-expressions.py --offline      no Prometheus: the dashboards' structure, and
                                                every expression parsed by promtool
    scripts/check-expressions.py --self-test    the metric-name extraction's own tests

Expressions: the `expr` of every rule (alerting and recording) in the rule files, the
`expr` of every Prometheus target of every dashboard panel (panels inside rows
included) and every template variable's query (label_values(EXPR, label) checks EXPR).
Dashboard variables are replaced first: $__rate_interval and $__interval by 1m,
$__range by 5m, a query/custom variable by `.+` inside a regex matcher (=~, !~) and by
its current (or first) value elsewhere; any of $var, ${var}, ${var:format} and [[var]].

For each expression:
  - Prometheus must parse and evaluate it (GET /api/v1/query answers "success");
  - every metric name it references (recording rules' names included) must have at
    least one series now, so that a renamed metric cannot leave a dead panel or a
    silent alert. Series are born with the first event of their kind: run it against a
    platform that has had a little traffic (a subject and a syllabus created, a few
    reads, a 401). --allow-missing NAME excuses a metric that cannot exist there; one
    depends on the configuration:
      ratelimit_backend_up       only with the Redis rate limiter
                                 (run the gateway with SYL_RATELIMIT_BACKEND=redis)
The dashboards' structure is checked too (ids, gridPos, targets, variables, data source).

Prints one line per failing expression and a summary. Exit 0 when all pass, 1 on any
failure, 2 on a usage error or when Prometheus cannot be reached.
"""
import argparse
import json
import pathlib
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_RULES = REPO / "deploy" / "prometheus" / "rules"
DEFAULT_DASHBOARDS = REPO / "deploy" / "grafana" / "dashboards"

# --------------------------------------------------------------------------- PromQL names

# Words that are never metric names where they stand: binary operators written as
# words, modifiers, and the literals Inf and NaN. Aggregations and functions are always
# followed by "(" (possibly after a grouping clause, which is removed first).
KEYWORDS = {
    "and", "or", "unless", "atan2", "by", "without", "on", "ignoring", "group_left",
    "group_right", "bool", "offset", "start", "end", "inf", "nan",
}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.I)
IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
NAME_MATCHER = re.compile(r'__name__\s*=\s*"((?:[^"\\]|\\.)*)"')


class ExpressionError(ValueError):
    pass


def string_end(expr, i):
    """The index of the quote that closes the string literal opening at expr[i] (PromQL:
    "..." and '...' with backslash escapes, `...` raw); len(expr) when unterminated."""
    quote, j, n = expr[i], i + 1, len(expr)
    while j < n and expr[j] != quote:
        if expr[j] == "\\" and quote != "`":
            j += 1
        j += 1
    return min(j, n)


def strip_strings_and_comments(expr):
    """Returns the expression with every string literal emptied ("" stays, so that the
    shape is kept) and comments removed. Raises ExpressionError on an unterminated string."""
    out = []
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c in "\"'`":
            j = string_end(expr, i)
            if j >= n:
                raise ExpressionError("unterminated string literal")
            out.append(c + c)
            i = j + 1
        elif c == "#":
            while i < n and expr[i] != "\n":
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def remove_blocks(text, open_char, close_char):
    """Replaces every outermost open_char...close_char block by a space (strings must be
    gone already)."""
    out, depth = [], 0
    for c in text:
        if c == open_char:
            depth += 1
        elif c == close_char:
            if depth == 0:
                raise ExpressionError(f"unbalanced '{close_char}'")
            depth -= 1
            if depth == 0:
                out.append(" ")
        elif depth == 0:
            out.append(c)
    if depth:
        raise ExpressionError(f"unbalanced '{open_char}'")
    return "".join(out)


def metric_names(expr):
    """The metric names a PromQL expression references, as a sorted list."""
    names = set()
    # {__name__="x"} names a metric inside a string: take it before strings go.
    for match in NAME_MATCHER.finditer(expr):
        names.add(match.group(1))
    text = strip_strings_and_comments(expr)
    text = remove_blocks(text, "{", "}")
    text = remove_blocks(text, "[", "]")
    text = GROUPING.sub(" ", text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            # A number or a duration (0x1F, 1.5e3, 5m, 1h30m): one token, not a name.
            while i < n and (text[i].isalnum() or text[i] in "._"):
                i += 1
            continue
        match = IDENTIFIER.match(text, i)
        if not match:
            i += 1
            continue
        word = match.group(0)
        i = match.end()
        if word.lower() in KEYWORDS:
            continue
        rest = text[i:].lstrip()
        if rest.startswith("("):
            continue  # a function or an aggregation
        names.add(word)
    return sorted(names)


# --------------------------------------------------------------------------- Grafana

BUILTIN_VALUES = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__range": "5m",
    "__interval_ms": "60000",
    "__rate_interval_ms": "60000",
    "__range_s": "300",
    "__range_ms": "300000",
}
# Grafana's own variable syntax: $var, [[var]], [[var:format]], ${var}, ${var.field:format}.
VARIABLE = re.compile(
    r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}")
# A label matcher's operator just before a string literal.
MATCHER_BEFORE = re.compile(r"(=~|!~|!=|=)\s*$")


class Variables:
    """A dashboard's template variables, for substitution."""

    def __init__(self, template_list):
        self.by_name = {}
        for variable in template_list or []:
            if isinstance(variable, dict) and variable.get("name"):
                self.by_name[variable["name"]] = variable

    def known(self, name):
        return name in BUILTIN_VALUES or name in self.by_name

    def multi(self, name):
        variable = self.by_name.get(name, {})
        return bool(variable.get("multi") or variable.get("includeAll"))

    def sample_value(self, name):
        """A value that stands for the variable outside a regex matcher."""
        if name in BUILTIN_VALUES:
            return BUILTIN_VALUES[name]
        variable = self.by_name[name]
        if variable.get("type") == "interval":
            default = "1m"
        elif variable.get("type") == "constant":
            return str(variable.get("query", ""))
        else:
            default = ".+"
        value = (variable.get("current") or {}).get("value")
        if isinstance(value, list):
            value = value[0] if value else None
        if value in (None, "", "$__all", "$__auto_interval_" + name):
            options = [o.get("value") for o in variable.get("options") or []
                       if isinstance(o, dict) and o.get("value") not in (None, "$__all")]
            if not options and isinstance(variable.get("query"), str) and variable.get("type") in (
                    "custom", "interval"):
                options = [v.strip() for v in variable["query"].split(",") if v.strip()]
            value = options[0] if options else default
        return str(value)

    def substitute(self, expr):
        """Returns (expression ready for Prometheus, problems found)."""
        problems = []
        out = []
        i, n = 0, len(expr)
        while i < n:
            c = expr[i]
            if c in "\"'`":
                j = string_end(expr, i)
                body = expr[i + 1:j]
                operator = MATCHER_BEFORE.search("".join(out))
                operator = operator.group(1) if operator else None
                out.append(c + self._replace(body, operator, problems) + expr[j:j + 1])
                i = j + 1
            else:
                j = i
                while j < n and expr[j] not in "\"'`":
                    j += 1
                out.append(self._replace(expr[i:j], None, problems, in_string=False))
                i = j
        return "".join(out), problems

    def _replace(self, text, operator, problems, in_string=True):
        def one(match):
            name = match.group(1) or match.group(2) or match.group(4)
            if not self.known(name):
                # "${1}" of label_replace is not a variable; Grafana leaves unknown ones as
                # they are, so a misspelt one silently matches nothing.
                if not name.isdigit() and (operator or not in_string):
                    problems.append(f"unknown variable ${name}")
                return match.group(0)
            if name in BUILTIN_VALUES:
                return BUILTIN_VALUES[name]
            variable = self.by_name[name]
            if variable.get("type") == "datasource":
                problems.append(f"data source variable ${name} inside an expression")
                return match.group(0)
            if operator in ("=~", "!~"):
                return ".+"
            if operator in ("=", "!=") and self.multi(name):
                problems.append(f"multi-value variable ${name} in an {operator} matcher "
                                f"(Grafana gives it as a regex: use {operator[0]}~)")
            return self.sample_value(name)

        return VARIABLE.sub(one, text)


def variable_query(variable):
    """The PromQL text of a query variable, or None (not Prometheus, not a query)."""
    query = variable.get("query")
    if isinstance(query, dict):
        query = query.get("query")
    if not isinstance(query, str) or not query.strip():
        return None
    return query.strip()


def split_top_level(text):
    """Splits on the commas that are outside brackets and strings."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "\"'`":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def variable_expression(query):
    """The PromQL expression to check for a Grafana Prometheus variable query, or None.

    label_values(EXPR, label) -> count by (label) (EXPR); query_result(EXPR) -> EXPR;
    label_values(label), label_names(), metrics(re) have nothing to check."""
    match = re.fullmatch(r"(\w+)\s*\((.*)\)", query, re.S)
    if not match:
        return query
    function, inside = match.group(1), match.group(2)
    if function == "label_values":
        parts = split_top_level(inside)
        if len(parts) == 2 and re.fullmatch(r"[A-Za-z_]\w*", parts[1]):
            return f"count by ({parts[1]}) ({parts[0]})"
        return None
    if function == "query_result":
        return inside.strip()
    if function in ("label_names", "metrics"):
        return None
    return query


# --------------------------------------------------------------------------- collection


class Expression:
    def __init__(self, source, expr, raw=None, problems=(), needs_result=False):
        self.source = source      # "file: what"
        self.expr = expr          # as sent to Prometheus
        self.raw = raw or expr    # as written
        self.problems = list(problems)
        self.needs_result = needs_result  # a variable query: must offer values


def files_in(paths, suffixes):
    found = []
    for path in paths:
        path = pathlib.Path(path)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in suffixes and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
    return found


def shown(path):
    try:
        return str(path.resolve().relative_to(pathlib.Path.cwd()))
    except ValueError:
        return str(path)


def rule_expressions(paths):
    import yaml  # python3-yaml

    expressions = []
    for path in files_in(paths, {".yml", ".yaml"}):
        with open(path, encoding="utf-8") as f:
            document = yaml.safe_load(f) or {}
        for group in document.get("groups") or []:
            for rule in group.get("rules") or []:
                name = rule.get("alert") or rule.get("record") or "?"
                kind = "alert" if "alert" in rule else "record"
                severity = (rule.get("labels") or {}).get("severity")
                what = f"{kind} {name}" + (f" ({severity})" if kind == "alert" and severity else "")
                expressions.append(Expression(f"{shown(path)}: {what}", str(rule.get("expr", ""))))
    return expressions


def walk_panels(panels):
    for panel in panels or []:
        if not isinstance(panel, dict):
            continue
        yield panel
        yield from walk_panels(panel.get("panels"))


def is_prometheus(datasource, default=True):
    if datasource is None:
        return default
    if isinstance(datasource, str):  # old style: a data source name or a variable
        return not datasource.startswith("-- ")
    kind = datasource.get("type")
    uid = str(datasource.get("uid", ""))
    if uid in ("-- Grafana --", "-- Mixed --", "-- Dashboard --", "__expr__"):
        return False
    return kind in (None, "prometheus")


def load_dashboard(path):
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    if isinstance(document, dict) and isinstance(document.get("dashboard"), dict):
        document = document["dashboard"]  # the HTTP API's export form
    if not isinstance(document, dict):
        raise ValueError("not a dashboard object")
    return document


def dashboard_expressions(paths):
    expressions = []
    for path in files_in(paths, {".json"}):
        dashboard = load_dashboard(path)
        variables = Variables((dashboard.get("templating") or {}).get("list"))
        for variable in variables.by_name.values():
            if variable.get("type") != "query" or not is_prometheus(variable.get("datasource")):
                continue
            query = variable_query(variable)
            expr = variable_expression(query) if query else None
            if expr is None:
                continue
            ready, problems = variables.substitute(expr)
            expressions.append(Expression(f"{shown(path)}: variable ${variable['name']}", ready,
                                          raw=query, problems=problems, needs_result=True))
        for panel in walk_panels(dashboard.get("panels")):
            panel_source = panel.get("datasource")
            for target in panel.get("targets") or []:
                if not isinstance(target, dict) or "expr" not in target:
                    continue
                if not is_prometheus(target.get("datasource"), is_prometheus(panel_source)):
                    continue
                ready, problems = variables.substitute(str(target["expr"]))
                source = (f"{shown(path)}: panel \"{panel.get('title', '?')}\" "
                          f"(id {panel.get('id', '?')}, {target.get('refId', '?')})")
                expressions.append(Expression(source, ready, raw=target["expr"], problems=problems))
    return expressions


# --------------------------------------------------------------------------- structure


def lint_dashboard(path):
    """Structural problems of one dashboard file, as strings."""
    problems = []
    try:
        dashboard = load_dashboard(path)
    except (OSError, ValueError) as error:
        return [f"{shown(path)}: {error}"]
    where = shown(path)
    for key in ("title", "uid", "schemaVersion", "panels"):
        if key not in dashboard:
            problems.append(f"{where}: no '{key}'")
    variables = Variables((dashboard.get("templating") or {}).get("list"))
    ids = {}
    for panel in walk_panels(dashboard.get("panels")):
        title = panel.get("title", "?")
        name = f"{where}: panel \"{title}\""
        for key in ("id", "type", "title", "gridPos"):
            if key not in panel:
                problems.append(f"{name}: no '{key}'")
        if "id" in panel:
            if panel["id"] in ids:
                problems.append(f"{name}: id {panel['id']} also used by \"{ids[panel['id']]}\"")
            ids[panel["id"]] = title
        grid = panel.get("gridPos") or {}
        try:
            x, w, h, y = (int(grid[k]) for k in ("x", "w", "h", "y"))
            if x < 0 or w <= 0 or h <= 0 or y < 0 or x + w > 24:
                problems.append(f"{name}: gridPos {grid} does not fit 24 columns")
        except (KeyError, TypeError, ValueError):
            problems.append(f"{name}: gridPos needs integers x, y, w, h")
        if panel.get("type") == "row":
            if panel.get("targets"):
                problems.append(f"{name}: a row has no queries")
            if panel.get("panels") and not panel.get("collapsed"):
                problems.append(f"{name}: an open row keeps its panels beside it, not inside")
            continue
        targets = panel.get("targets")
        if not targets:
            problems.append(f"{name}: no targets")
            continue
        refs = set()
        for target in targets:
            if not isinstance(target.get("expr"), str) or not target["expr"].strip():
                problems.append(f"{name}: a target has no expr")
            if not target.get("refId"):
                problems.append(f"{name}: a target has no refId")
            elif target["refId"] in refs:
                problems.append(f"{name}: refId {target['refId']} twice")
            refs.add(target.get("refId"))
        for datasource in [panel.get("datasource")] + [t.get("datasource") for t in targets]:
            uid = datasource.get("uid") if isinstance(datasource, dict) else datasource
            for match in VARIABLE.finditer(str(uid or "")):
                variable = match.group(1) or match.group(2) or match.group(4)
                if variables.by_name.get(variable, {}).get("type") != "datasource":
                    problems.append(f"{name}: data source ${variable} is not a datasource variable")
        for target in targets:
            for match in VARIABLE.finditer(str(target.get("expr", ""))):
                variable = match.group(1) or match.group(2) or match.group(4)
                if variable.startswith("__") and variable not in BUILTIN_VALUES:
                    problems.append(f"{name}: unknown built-in variable ${variable}")
    return problems


# --------------------------------------------------------------------------- Prometheus


class Unreachable(Exception):
    pass


class Prometheus:
    def __init__(self, url, timeout):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def get(self, path, **params):
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            # Prometheus answers a bad query with 400 (or 422) and a JSON error.
            try:
                return json.loads(error.read().decode("utf-8"))
            except ValueError:
                return {"status": "error", "error": f"HTTP {error.code} {error.reason}"}
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise Unreachable(f"{url}: {getattr(error, 'reason', error)}") from error

    def query(self, expr):
        """(error or None, number of series or samples in the result)."""
        answer = self.get("/api/v1/query", query=expr)
        if answer.get("status") != "success":
            return answer.get("error") or "unknown error", 0
        result = (answer.get("data") or {}).get("result")
        return None, len(result) if isinstance(result, list) else 1

    def present(self, names):
        """The subset of `names` that has at least one series now."""
        present = set()
        names = sorted(names)
        plain = [n for n in names if IDENTIFIER.fullmatch(n)]
        queries = [f'count by (__name__) ({{__name__=~"{"|".join(plain[i:i + 50])}"}})'
                   for i in range(0, len(plain), 50)]
        queries += [f"count by (__name__) ({{__name__={json.dumps(n)}}})"
                    for n in names if not IDENTIFIER.fullmatch(n)]
        for query in queries:
            answer = self.get("/api/v1/query", query=query)
            if answer.get("status") != "success":
                raise Unreachable(f"series lookup failed: {answer.get('error')}")
            for sample in answer["data"]["result"]:
                present.add(sample["metric"].get("__name__"))
        return present


# --------------------------------------------------------------------------- main


def one_line(text):
    return " ".join(str(text).split())


def check(args):
    prometheus = Prometheus(args.prometheus, args.timeout)
    try:
        answer = prometheus.get("/api/v1/status/buildinfo")
        if answer.get("status") != "success":
            raise Unreachable(f"{args.prometheus}: not a Prometheus API ({one_line(answer)[:200]})")
    except Unreachable as error:
        print(f"check-expressions: cannot reach Prometheus: {error}", file=sys.stderr)
        return 2

    try:
        expressions = rule_expressions(args.rules or [DEFAULT_RULES])
        expressions += dashboard_expressions(args.dashboards or [DEFAULT_DASHBOARDS])
        dashboards = files_in(args.dashboards or [DEFAULT_DASHBOARDS], {".json"})
    except (OSError, ValueError, ImportError) as error:
        print(f"check-expressions: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # yaml.YAMLError and the like: an unreadable file
        print(f"check-expressions: {error}", file=sys.stderr)
        return 2
    if not expressions:
        print("check-expressions: no expression found", file=sys.stderr)
        return 2

    failures = [p for d in dashboards for p in lint_dashboard(d)]
    for failure in failures:
        print(f"check-expressions: FAILED: {failure}")

    allowed = set(args.allow_missing or [])
    references = {}
    for expression in expressions:
        try:
            references[id(expression)] = metric_names(expression.expr)
        except ExpressionError as error:
            expression.problems.append(f"cannot read the expression: {error}")
            references[id(expression)] = []
    all_names = {n for names in references.values() for n in names}
    try:
        present = prometheus.present(all_names)
    except Unreachable as error:
        print(f"check-expressions: cannot reach Prometheus: {error}", file=sys.stderr)
        return 2

    results = {}
    failed_expressions = 0
    for expression in expressions:
        try:
            if expression.expr not in results:
                results[expression.expr] = prometheus.query(expression.expr)
        except Unreachable as error:
            print(f"check-expressions: cannot reach Prometheus: {error}", file=sys.stderr)
            return 2
        error, count = results[expression.expr]
        problems = list(expression.problems)
        if error:
            problems.append(f"Prometheus: {error}")
        missing = [n for n in references[id(expression)] if n not in present and n not in allowed]
        if missing:
            problems.append(f"no series for {', '.join(missing)} (renamed metric? dead panel)")
        elif expression.needs_result and not error and count == 0:
            problems.append("the variable offers no value")
        if problems:
            failed_expressions += 1
            print(f"check-expressions: FAILED: {expression.source}: {'; '.join(problems)}"
                  f" [{one_line(expression.raw)[:160]}]")
        elif args.verbose:
            print(f"check-expressions: ok: {expression.source}: {', '.join(references[id(expression)])}")

    unused = sorted(allowed - all_names)
    for name in unused:
        print(f"check-expressions: note: --allow-missing {name}: no expression references it")
    excused = sorted(n for n in allowed & all_names if n not in present)
    summary = (f"{len(expressions)} expressions ({sum('variable $' in e.source for e in expressions)} "
               f"variable queries), {len(all_names)} metric names checked against {args.prometheus}")
    if excused:
        summary += f"; allowed missing: {', '.join(excused)}"
    total = failed_expressions + len(failures)
    if total:
        print(f"check-expressions: {total} failure(s); {summary}")
        return 1
    print(f"check-expressions: all passed: {summary}")
    return 0


def promtool_parse(expressions):
    """Parses every expression with `promtool check rules` (each one a recording rule of
    its own group in a temporary file): the failures, or None without promtool."""
    import shutil
    import subprocess
    import tempfile

    promtool = shutil.which("promtool")
    if promtool is None:
        return None
    lines = ["groups:"]
    for index, expression in enumerate(expressions):
        # A JSON string is a YAML string too.
        lines += [f"  - name: e{index}", "    rules:", f"      - record: check:e{index}",
                  f"        expr: {json.dumps(expression.expr)}"]
    with tempfile.NamedTemporaryFile("w", suffix=".yml", prefix="check-expressions-") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        run = subprocess.run([promtool, "check", "rules", f.name], capture_output=True, text=True)
    if run.returncode == 0:
        return []
    failures = []
    for line in (run.stdout + run.stderr).splitlines():
        match = re.search(r'group "e(\d+)", rule \d+, "[^"]*": (.*)', line)
        if match:
            failures.append(f"{expressions[int(match.group(1))].source}: {match.group(2)}")
    return failures or [f"promtool check rules failed: {one_line(run.stdout + run.stderr)[:300]}"]


def offline(args):
    """Dashboards' structure and every expression's names, without Prometheus."""
    try:
        dashboards = files_in(args.dashboards or [DEFAULT_DASHBOARDS], {".json"})
        expressions = rule_expressions(args.rules or [DEFAULT_RULES])
        expressions += dashboard_expressions(args.dashboards or [DEFAULT_DASHBOARDS])
    except Exception as error:
        print(f"check-expressions: {error}", file=sys.stderr)
        return 2
    failures = [p for d in dashboards for p in lint_dashboard(d)]
    names = set()
    for expression in expressions:
        try:
            found = metric_names(expression.expr)
            names.update(found)
            if not found:
                expression.problems.append("references no metric")
        except ExpressionError as error:
            expression.problems.append(f"cannot read the expression: {error}")
        if args.verbose:
            print(f"{expression.source}: {expression.expr}")
        failures += [f"{expression.source}: {p}" for p in expression.problems]
    parsed = promtool_parse(expressions)
    if parsed is None:
        parsed = "not parsed: promtool is missing"
    else:
        failures += parsed
        parsed = "parsed by promtool"
    for failure in failures:
        print(f"check-expressions: FAILED: {failure}")
    summary = (f"{len(dashboards)} dashboard(s), {len(expressions)} expressions ({parsed}), "
               f"{len(names)} metric names (not checked against a Prometheus)")
    if failures:
        print(f"check-expressions: {len(failures)} failure(s); {summary}")
        return 1
    print(f"check-expressions: offline checks passed: {summary}")
    return 0


# --------------------------------------------------------------------------- self-test


def self_test():
    cases = [
        ('histogram_quantile(0.99, sum by (le, route) (rate(x_bucket{a="b"}[5m])))', ["x_bucket"]),
        ('absent(up{service="x"} == 1)', ["up"]),
        ('label_replace(absent(up{service="x"} == 1), "service", "x", "", "")', ["up"]),
        ("a / on(service) group_left(version) b", ["a", "b"]),
        ("a * ignoring (le) group_right b", ["a", "b"]),
        ("a and on() b unless c or d", ["a", "b", "c", "d"]),
        ("service:http_request_errors:ratio_rate5m > 0.05\n  and on (service)\n"
         "service:http_requests:rate5m >= 0.1", ["service:http_request_errors:ratio_rate5m",
                                                 "service:http_requests:rate5m"]),
        ("sum without (instance) (rate(c_total[1m] offset 5m))", ["c_total"]),
        ("sum(rate(c_total[1m] offset -1h30m)) by (service)", ["c_total"]),
        ('label_replace(rate(g_total{s=~"a{1,2}(x)"}[5m]), "class", "${1}xx", "status", "(.)..")',
         ["g_total"]),
        ('x{path="/a}b{", q="(("} / y{r=\'))\'}', ["x", "y"]),
        (r'x{a="quote \" } inside"} + on (a) y', ["x", "y"]),
        ('{__name__="named_total", job="j"}', ["named_total"]),
        ("max_over_time(rate(z_total[1m])[10m:30s] @ end())", ["z_total"]),
        ("time() - process_start_time_seconds", ["process_start_time_seconds"]),
        ("a > bool 1e3 + Inf - NaN * 0x1F + .5", ["a"]),
        ("topk(5, count_values(\"version\", build_info)) by (service)", ["build_info"]),
        ("# a comment: not_a_metric\nsum by(le)(rate(h_bucket[1m]))", ["h_bucket"]),
        ("a atan2 b", ["a", "b"]),
        ("vector(1) + scalar(sum(w))", ["w"]),
        ("1 - (a / b)", ["a", "b"]),
        ("sum by (service) (rate(on_total[5m])) / sum by (service) (rate(by_total[5m]))",
         ["by_total", "on_total"]),
    ]
    failures = 0
    for expr, expected in cases:
        got = metric_names(expr)
        if got != sorted(expected):
            failures += 1
            print(f"self-test FAILED: metric_names({expr!r}) = {got}, expected {sorted(expected)}")
    try:
        metric_names('x{a="b}')
        failures += 1
        print("self-test FAILED: an unterminated string was accepted")
    except ExpressionError:
        pass

    variables = Variables([
        {"name": "datasource", "type": "datasource"},
        {"name": "service", "type": "query", "multi": True, "includeAll": True,
         "current": {"value": ["$__all"]}},
        {"name": "window", "type": "custom", "query": "5m,1h", "current": {"value": "1h"}},
    ])
    substitutions = [
        ('rate(x{service=~"$service"}[$__rate_interval])', 'rate(x{service=~".+"}[1m])', 0),
        ('rate(x{service=~"${service:regex}"}[${__interval}])', 'rate(x{service=~".+"}[1m])', 0),
        ('rate(x{service!~"[[service]]"}[$__range])', 'rate(x{service!~".+"}[5m])', 0),
        ('rate(x[$window])', "rate(x[1h])", 0),
        ('label_replace(x, "c", "${1}xx", "s", "(.)..")', 'label_replace(x, "c", "${1}xx", "s", "(.)..")', 0),
        ('x{service="$service"}', 'x{service=".+"}', 1),
        ('x{service=~"$servce"}', 'x{service=~"$servce"}', 1),
    ]
    for expr, expected, problem_count in substitutions:
        got, problems = variables.substitute(expr)
        if got != expected or len(problems) != problem_count:
            failures += 1
            print(f"self-test FAILED: substitute({expr!r}) = {got!r} {problems}, expected {expected!r}")

    queries = [
        ("label_values(up, service)", "count by (service) (up)"),
        ('label_values(up{service=~"$service", a=","}, instance_id)',
         'count by (instance_id) (up{service=~"$service", a=","})'),
        ("label_values(service)", None),
        ("query_result(topk(3, x))", "topk(3, x)"),
        ("metrics(http_.*)", None),
    ]
    for query, expected in queries:
        got = variable_expression(query)
        if got != expected:
            failures += 1
            print(f"self-test FAILED: variable_expression({query!r}) = {got!r}, expected {expected!r}")

    total = len(cases) + 1 + len(substitutions) + len(queries)
    if failures:
        print(f"check-expressions self-test: {total - failures} passed, {failures} failed")
        return 1
    print(f"check-expressions self-test: {total} passed, 0 failed")
    return 0


def main(argv):
    parser = argparse.ArgumentParser(
        description="Checks every PromQL expression of the rules and dashboards against a live "
                    "Prometheus: each must evaluate, and each metric it names must have series.")
    parser.add_argument("--prometheus", metavar="URL", help="e.g. http://127.0.0.1:9090")
    parser.add_argument("--rules", action="append", metavar="PATH",
                        help=f"rule file or directory (repeatable; default {DEFAULT_RULES.relative_to(REPO)})")
    parser.add_argument("--dashboards", action="append", metavar="PATH",
                        help=f"dashboard file or directory (repeatable; default "
                             f"{DEFAULT_DASHBOARDS.relative_to(REPO)})")
    parser.add_argument("--allow-missing", action="append", metavar="NAME",
                        help="a metric that may have no series (repeatable)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request (10)")
    parser.add_argument("--verbose", "-v", action="store_true", help="also list what passed")
    parser.add_argument("--offline", action="store_true",
                        help="check the dashboards' structure and read every expression, "
                             "without a Prometheus")
    parser.add_argument("--self-test", action="store_true", help="test the metric-name extraction")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    if args.offline:
        return offline(args)
    if not args.prometheus:
        parser.print_usage(sys.stderr)
        print("check-expressions: --prometheus URL is required (or --offline, --self-test)",
              file=sys.stderr)
        return 2
    return check(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
