#!/usr/bin/env python3
"""Seeds the platform for the load mix (scripts/bench/platform.sh), only through the
gateway and with editors' tokens, the way staff would fill it: subjects, syllabus PDFs,
then per subject a syllabus for the autumn and the spring of 2026/2027 with outcomes,
a schedule, assessments, instructors and a PDF attached; most of them submitted by their
author and published by another editor, the rest left as drafts (for the mix's edits).
Writes the Lua table the wrk scripts read (syllabi, drafts, subjects, words, cursors).

  seed.py --port P --editors FILE --admin TOKEN --pdf FILE --subjects N --out data.lua
"""
import argparse
import http.client
import json
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

TOPICS = [
    "algebra", "calculus", "compilers", "databases", "networks", "statistics", "graphics",
    "security", "robotics", "cryptography", "optimisation", "probability", "geometry",
    "topology", "thermodynamics", "mechanics", "electronics", "genetics", "ecology",
    "microeconomics", "macroeconomics", "accounting", "marketing", "linguistics", "philosophy",
    "ethics", "sociology", "psychology", "history", "architecture", "chemistry",
    "biochemistry", "astronomy", "oceanography", "hydrology", "logistics", "semiconductors",
    "photonics", "virology", "epidemiology",
]
LEVELS = ["Introduction to", "Foundations of", "Advanced", "Applied", "Topics in"]
DEPARTMENTS = ["Computer Science", "Mathematics", "Physics", "Economics", "Biology",
               "Humanities", "Engineering", "Earth Sciences"]
INSTRUCTORS = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Emmy Noether", "John von Neumann",
               "Barbara Liskov", "Donald Knuth", "Katherine Johnson", "Edsger Dijkstra"]
TERMS = ["autumn", "spring"]


class Gateway:
    """One keep-alive connection per thread to the gateway."""

    def __init__(self, port):
        self.port = port
        self.local = threading.local()

    def call(self, method, path, token, body=None, content_type="application/json"):
        headers = {"Authorization": "Bearer " + token}
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            headers["Content-Type"] = content_type
        for attempt in range(3):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.local.connection = connection
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                return response.status, data
            except (http.client.HTTPException, OSError):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")


def expect(status, data, wanted, what):
    if status != wanted:
        raise SystemExit(f"seeding: {what} answered {status}: {data[:500]!r}")
    return json.loads(data) if data else {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--editors", required=True, help="editors' tokens, one a line")
    parser.add_argument("--admin", required=True, help="an admin's token (read model)")
    parser.add_argument("--pdf", required=True)
    parser.add_argument("--subjects", type=int, default=300)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--draft-every", type=int, default=4, help="every Nth syllabus stays a draft")
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    editors = [line.strip() for line in open(args.editors) if line.strip()]
    pdf = open(args.pdf, "rb").read()
    gateway = Gateway(args.port)
    pool = ThreadPoolExecutor(max_workers=args.threads)
    started = time.monotonic()

    def editor(n):
        return editors[n % len(editors)]

    # Subjects.
    def make_subject(i):
        topic = TOPICS[i % len(TOPICS)]
        level = LEVELS[(i // len(TOPICS)) % len(LEVELS)]
        body = {"code": f"PL-{i + 1:04d}", "name": f"{level} {topic.capitalize()}",
                "credits": 6, "department": DEPARTMENTS[i % len(DEPARTMENTS)],
                "description": f"{level} {topic}: lectures, exercises and a project."}
        status, data = gateway.call("POST", "/api/v1/subjects", editor(i), body)
        return expect(status, data, 201, "POST /subjects")["id"]

    subjects = list(pool.map(make_subject, range(args.subjects)))

    # Syllabus PDFs, as a browser form sends them.
    boundary = "----seed-" + uuid.uuid4().hex

    def upload(i):
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"syllabus-{i + 1}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
                ).encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
        status, data = gateway.call("POST", "/api/v1/files", editor(i), body,
                                    "multipart/form-data; boundary=" + boundary)
        return expect(status, data, 201, "POST /files")["id"]

    files = list(pool.map(upload, range(args.files)))

    # Syllabi: two terms per subject; every draft_every-th stays a draft.
    def make_syllabus(n):
        i, term = divmod(n, len(TERMS))
        topic = TOPICS[i % len(TOPICS)]
        other = TOPICS[(i * 7 + 3 + term) % len(TOPICS)]
        third = TOPICS[(i * 13 + 5 + term) % len(TOPICS)]
        level = LEVELS[(i // len(TOPICS)) % len(LEVELS)]
        title = f"{level} {topic.capitalize()}" + (" II" if term else "")
        body = {
            "subject_id": subjects[i], "academic_year": "2026/2027", "term": TERMS[term],
            "title": title,
            "summary": f"A course on {topic}, with applications to {other}.",
            "languages": ["en"], "ects_credits": 6,
            "teaching_mode": ["in_person", "hybrid", "distant"][n % 3],
            "workload": {"lectures": 26, "tutorials": 26, "labs": 13, "self_study": 105},
            "learning_outcomes": [
                {"code": "LO1", "statement": f"Explain the main ideas of {topic}."},
                {"code": "LO2", "statement": f"Apply {topic} to problems of {other}."},
                {"code": "LO3", "statement": f"Write a short report on {third}."},
            ],
            "schedule": [
                {"week": w, "title": f"Week {w}: {t}", "topics": [t]}
                for w, t in enumerate([topic, other, topic, third, topic, other], start=1)
            ],
            "assessments": [
                {"name": "Written exam", "kind": "exam", "session": "first", "weight_pct": 60,
                 "outcome_codes": ["LO1", "LO2"]},
                {"name": "Project report", "kind": "project", "session": "first",
                 "weight_pct": 40, "outcome_codes": ["LO3"]},
                {"name": "Resit exam", "kind": "exam", "session": "resit", "weight_pct": 100,
                 "outcome_codes": ["LO1", "LO2", "LO3"]},
            ],
            "instructors": [{"name": INSTRUCTORS[n % len(INSTRUCTORS)]}],
            "attachments": [files[n % len(files)]] if files else [],
            "body": (f"# {title}\n\nThis course covers **{topic}** from first principles, "
                     f"then its use in {other} and {third}.\n\n## Organisation\n\n"
                     "Weekly lectures and tutorials, labs every second week, a project in "
                     "groups of three.\n"),
            "visibility": "public" if n % 3 else "authenticated",
        }
        author, reviewer = editor(n), editor(n + 1)
        status, data = gateway.call("POST", "/api/v1/syllabi", author, body)
        syllabus = expect(status, data, 201, "POST /syllabi")["id"]
        if n % args.draft_every == args.draft_every - 1:
            return syllabus, True
        status, data = gateway.call("POST", f"/api/v1/syllabi/{syllabus}/submit", author)
        expect(status, data, 200, "submit")
        status, data = gateway.call("POST", f"/api/v1/syllabi/{syllabus}/publish", reviewer)
        expect(status, data, 200, "publish")
        return syllabus, False

    made = list(pool.map(make_syllabus, range(len(subjects) * len(TERMS))))
    syllabi = [s for s, _ in made]
    drafts = [s for s, draft in made if draft]

    # The read model knows every subject and file (expanded reads come from it).
    deadline = time.monotonic() + 60
    while True:
        status, data = gateway.call("GET", "/api/v1/admin/syllabus-service/read-model", args.admin)
        model = json.loads(data) if status == 200 else {}
        live = model.get("subjects", {}).get("live", 0)
        if live >= len(subjects):
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"seeding: the read model knows {live} of {len(subjects)} subjects")
        time.sleep(0.1)

    # Cursors of later pages, as a browsing client follows them.
    cursors = []
    for query in ("limit=20", "limit=20&status=published"):
        cursor = None
        for _ in range(10):
            path = "/api/v1/syllabi?" + query + (f"&cursor={cursor}" if cursor else "")
            status, data = gateway.call("GET", path, editors[0])
            cursor = expect(status, data, 200, "GET /syllabi").get("next_cursor")
            if not cursor:
                break
            cursors.append(query + "&cursor=" + cursor)
    if not cursors:
        raise SystemExit("seeding: the list has a single page")
    pool.shutdown()

    def lua_list(name, values):
        return f"{name} = {{\n" + "".join(f"  {json.dumps(v)},\n" for v in values) + "}\n"

    with open(args.out, "w") as out:
        out.write(lua_list("syllabi", syllabi))
        out.write(lua_list("drafts", drafts))
        out.write(lua_list("subjects", subjects))
        out.write(lua_list("words", TOPICS))
        out.write(lua_list("cursors", cursors))  # query strings of later pages
    print(f"seeded {len(subjects)} subjects, {len(files)} PDFs, {len(syllabi)} syllabi "
          f"({len(syllabi) - len(drafts)} published, {len(drafts)} drafts) in "
          f"{time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
