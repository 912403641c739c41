"""The fixed replies and notices the guardrails give, with signposts taken from Settings."""

from __future__ import annotations

from plan_assistant.config import Settings
from plan_assistant.guardrails.language import answers_in_english, names

PLAN_NAME = "Somerset County Council's Business Plan 2021-2023"
EXAMPLE_QUESTION = "What are the council's priorities for climate change?"

CRISIS_NUMBERS = ("999", "111", "116 123")
"""Numbers the crisis reply gives; answers may always contain them."""


def _link(text: str, url: str) -> str:
    return f"[{text}]({url})" if url else text


def signpost_urls(settings: Settings) -> tuple[str, ...]:
    """Every URL the guardrails may show, so the output check lets them through."""
    return tuple(
        url
        for url in (
            settings.contact_url,
            settings.services_url,
            settings.safeguarding_url,
            settings.complaints_url,
        )
        if url
    )


SIGNPOSTS: tuple[str, ...] = ("service", "personal_case", "contact")
"""The kinds of signpost a plan answer can carry when the question also asked the council to act."""


def signpost(kind: str, settings: Settings) -> str:
    """One paragraph pointing to where a request to act is handled: "service", "personal_case" or "contact"."""
    if kind == "service":
        return (
            "For council services (such as bins, roads, council tax, parking, libraries, planning "
            f"applications or school admissions), you can report, apply or pay on "
            f"{_link('the council website', settings.services_url)}."
        )
    if kind == "personal_case":
        return cannot_record(settings)
    if kind == "contact":
        return (
            f"To speak to someone at the council, see {_link(settings.contact_text, settings.contact_url)}."
        )
    raise ValueError(f"unknown signpost {kind!r}: expected one of {', '.join(SIGNPOSTS)}")


def service(settings: Settings) -> str:
    """Reply to a request for a council service rather than a question about the plan."""
    return (
        "That sounds like a request for a council service rather than a question about the Business Plan. "
        f"{signpost('service', settings)}\n\n"
        f"I can answer questions about {PLAN_NAME}: its outcomes, priorities and commitments."
    )


def contact(settings: Settings) -> str:
    """Reply to a request to talk to a person: where to reach the council, and what the assistant can do."""
    return (
        f"I'm an automated assistant, so I can't put you through to anyone. {signpost('contact', settings)}\n\n"
        f'I can answer questions about {PLAN_NAME}, for example: "{EXAMPLE_QUESTION}"'
    )


def cannot_record(settings: Settings) -> str:
    """Say plainly that the assistant cannot record, log or refer cases, with the signposts."""
    return (
        "I can't record, log or refer cases, and nothing you tell me is added to anyone's file. "
        f"If you're worried about someone's safety, see {_link('safeguarding', settings.safeguarding_url)}; "
        f"about a case or an application, {_link(settings.contact_text, settings.contact_url)}. "
        "If someone is in immediate danger, call 999."
    )


def personal_case(settings: Settings) -> str:
    """Reply to a request to log, record or refer a case."""
    return (
        f"{cannot_record(settings)}\n\n"
        f'I can answer questions about {PLAN_NAME}, for example: "{EXAMPLE_QUESTION}"'
    )


def greeting() -> str:
    """Reply to a greeting."""
    return (
        f"Hello! I answer questions about {PLAN_NAME}: its outcomes, key priorities and commitments, "
        "such as the economy, climate change, children and families, health, and transport. "
        "What would you like to know?"
    )


def thanks() -> str:
    """Reply to thanks."""
    return "You're welcome. Is there anything else about the Business Plan I can help with?"


def chitchat(settings: Settings) -> str:
    """Reply to small talk or questions outside the assistant's job."""
    return (
        f"I'm an assistant for {PLAN_NAME}, so I can only help with questions about the plan: "
        f'its outcomes, priorities and commitments. For example: "{EXAMPLE_QUESTION}"\n\n'
        f"{signpost('contact', settings)}"
    )


def empty() -> str:
    """Reply to a message with nothing readable in it."""
    return f'Please type a question about {PLAN_NAME}. For example: "{EXAMPLE_QUESTION}"'


def frustration_notice() -> str:
    """Shown before the reply to a real question asked angrily or in frustration: acknowledge, then answer
    (or say the plan doesn't cover it)."""
    return "I'm sorry if this has been frustrating."


def abuse(settings: Settings) -> str:
    """A calm reply to abuse: no lecture, an offer of help, and the complaints route."""
    return (
        "I'm sorry if this has been frustrating. I'm here to help with questions about the council's "
        "Business Plan, and I'm happy to try again if you'd like to ask one. If you'd like to make a "
        f"complaint, you can {_link('contact the complaints team', settings.complaints_url)}."
    )


def crisis(settings: Settings) -> str:
    """Signpost someone at risk to emergency and support services."""
    return (
        "If you or someone else is in immediate danger, please call **999** now.\n\n"
        "- For urgent medical help or advice, call **NHS 111**.\n"
        "- To talk to someone at any time, day or night, call **Samaritans** free on **116 123**.\n"
        "- If you're worried about a child or an adult at risk, see "
        f"{_link('safeguarding', settings.safeguarding_url)}.\n\n"
        "I'm an assistant for the council's Business Plan and can't help in an emergency, "
        "but these people can, and they want to hear from you."
    )


def injection() -> str:
    """Decline a message that only tries to change how the assistant works."""
    return (
        f"I can only answer questions about {PLAN_NAME}, and I can't change how I work or share my "
        f'instructions. What would you like to know about the plan? For example: "{EXAMPLE_QUESTION}"'
    )


def only_a_name() -> str:
    """The reply to a question whose only subject was a name that was removed."""
    return (
        "Once the name was taken out, your question had nothing left to look up. The plan doesn't name "
        "residents or staff; if you meant a place, project or organisation, please ask again and say what "
        "kind of place or project it is."
    )


def personal_data_notice() -> str:
    """Remind the user not to share personal details (without repeating them)."""
    return (
        "Please don't share personal details such as names, addresses, phone numbers or reference numbers "
        "here. I've removed them from your message and haven't stored them."
    )


def generator_unavailable_notice() -> str:
    """Say that the answer is the plan's own sentences because the writing model could not be used."""
    return (
        "The assistant's writing model isn't available just now, so this answer uses the plan's own "
        "sentences."
    )


def injection_notice() -> str:
    """Say that instructions inside the message were ignored."""
    return (
        "I've ignored instructions in your message that tried to change how I work, "
        "and answered the plan question."
    )


def sensitive_topic_notice() -> str:
    """Offer support lines when a question touches on suicide, self-harm or domestic abuse."""
    return (
        "If you or someone you know is at risk, call 999 in an emergency, NHS 111 for urgent advice, "
        "or Samaritans free on 116 123, day or night."
    )


def language_reply(language: str, settings: Settings) -> str:
    """When a message in another language finds nothing in the plan: say answers come in English, and
    where to get help, rather than an English "the plan doesn't cover that"."""
    return "\n\n".join([*language_notice(language, settings), signpost("contact", settings)])


def language_notice(language: str, settings: Settings) -> list[str]:
    """Lines saying answers come in English from the Business Plan: in English, and in the detected language
    itself when it is one of the reply languages (settings) with a reviewed line (data/languages/)."""
    name = names().get(language, "another language")
    lines = [f"It looks like you wrote in {name}. Answers come in English, from the council's Business Plan."]
    own = answers_in_english(language) if language in settings.reply_languages else None
    if own:
        lines.append(own)
    return lines
