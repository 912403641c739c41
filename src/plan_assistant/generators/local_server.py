"""The local model behind an OpenAI-compatible server: ``python -m plan_assistant.generators.local_server``.

llama-cpp-python's own server (``llama_cpp.server``, the ``local-llm`` extra) with two things added: the
packaged GGUF is the default ``--model`` (joined from its part packages on first use), and the weights load
without llama.cpp's AMX repacking, which crashes the first decode on some CPUs (see ``llama_cpp.py``).
Every other option is llama_cpp.server's own (``--port``, ``--n_ctx``, ``--n_threads``, ``--api_key`` ...).
Point the ``openai`` generator at it with ``PLAN_ASSISTANT_OPENAI_BASE_URL=http://HOST:PORT/v1``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from plan_assistant.generators.llama_cpp import no_amx_repack, resolve_model_path


def names_model(argv: Sequence[str]) -> bool:
    """Whether the arguments name a model (``--model PATH`` or ``--model=PATH``; not ``--model_alias``)."""
    return any(a == "--model" or a.startswith("--model=") for a in argv)


def server_argv(argv: Sequence[str], default_model: str) -> list[str]:
    """llama_cpp.server's arguments, with the default model added when none is named."""
    return list(argv) if names_model(argv) else ["--model", default_model, *argv]


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the local model until interrupted."""
    from llama_cpp.server.__main__ import main as serve

    from plan_assistant.config import Settings

    args = list(sys.argv[1:] if argv is None else argv)
    default = "" if names_model(args) else str(resolve_model_path(Settings()))
    sys.argv = ["llama_cpp.server", *server_argv(args, default)]
    with no_amx_repack():
        serve()


if __name__ == "__main__":
    main()
