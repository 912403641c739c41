"""The local model server's command line: the packaged model is the default, an explicit one wins."""

from __future__ import annotations

from plan_assistant.generators.local_server import server_argv


def test_the_packaged_model_is_added_when_no_model_is_named() -> None:
    argv = server_argv(["--port", "8081", "--model_alias", "plan"], "/models/qwen.gguf")
    assert argv == ["--model", "/models/qwen.gguf", "--port", "8081", "--model_alias", "plan"]


def test_a_named_model_is_kept_as_given() -> None:
    assert server_argv(["--model", "/m/a.gguf"], "/d.gguf") == ["--model", "/m/a.gguf"]
    assert server_argv(["--model=/m/a.gguf"], "/d.gguf") == ["--model=/m/a.gguf"]
