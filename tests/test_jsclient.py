"""The supabase-js harness itself: Node runs the pinned client and hands JSON back."""

from __future__ import annotations

from tests.jsclient import run_js


def test_the_pinned_supabase_js_loads_and_answers_in_json() -> None:
    answer = run_js(
        "import {createClient} from '@supabase/supabase-js';"
        "import pkg from '@supabase/supabase-js/package.json' with {type: 'json'};"
        "console.log(JSON.stringify({client: typeof createClient, version: pkg.version}));"
    )
    assert answer == {"client": "function", "version": "2.119.2"}
