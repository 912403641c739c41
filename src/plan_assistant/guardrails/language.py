"""A small offline language detector: stopword profiles, tell-tale letters and writing systems."""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    """The set of whitespace-separated words in a string (long word lists read better this way)."""
    return frozenset(text.split())


# Frequent short words of each language, including greetings and thanks; words shared with English
# ("a", "in", "to", "an") are left out so that English text does not score.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and of to is are what how why when where which who does do did will would can could should "
        "about for with this that there their they you your my our we it be been has have had was were not "
        "plan council please thanks thank hello any from by or on at as if its into than then so"
    ),
    "cy": _words(
        "y yr yn a ac ar i o mae beth sut pam pryd ble pwy oes ydy yw gan gyda am ei eu fy ein eich "
        "chi ni nhw hwn hon hyn cyngor cynllun diolch bore da prynhawn noswaith helo shwmae os gwelwch "
        "dda rwy rydw dw ddim hefyd neu ond fel sydd wedi bydd gyfer ynghylch ynglyn"
    ),
    "fr": _words(
        "le la les des du un une est et que qui quoi comment pourquoi quand où est-ce pour avec dans sur "
        "par pas ne je vous nous il elle ils sont au aux ce cette ces mon ma mes votre vos notre nos "
        "conseil bonjour merci plan quel quelle quels quelles sur être avoir fait"
    ),
    "es": _words(
        "el la los las un una es y que qué cómo como por qué porque cuándo dónde quién para con en del "
        "al no sí mi mis su sus nuestro vuestro usted ustedes yo nosotros está están son hay ayuntamiento "
        "consejo hola gracias plan cuál cuáles sobre muy también pero"
    ),
    "de": _words(
        "der die das den dem des ein eine einen ist und oder was wie warum wann wo wer für mit auf von zu "
        "nicht ich sie wir ihr es sind hat haben wird werden über bei nach aus auch aber rat plan hallo "
        "danke guten tag welche welcher gibt mein meine unser"
    ),
    "pl": _words(
        "i w z na do nie się jest są co jak dlaczego kiedy gdzie kto czy to ten ta te mój moja nasz "
        "jaki jakie jaka dla przez po od o że ale lub oraz rada plan dzień dobry dziękuję cześć proszę "
        "będzie mają ma jestem mieszkam gminy rady"
    ),
    "pt": _words(
        "o os as um uma é e que como por quê porque quando onde quem para com em do da dos das no na "
        "não sim meu minha seu sua nosso nossa você vocês eu nós está estão são há conselho olá obrigado "
        "obrigada plano qual quais sobre muito também mas"
    ),
    "it": _words(
        "il lo la gli le un una è e che cosa come perché quando dove chi per con in del della dei delle "
        "non sì mio mia suo sua nostro io noi voi sono ha hanno consiglio ciao grazie piano quale quali "
        "sul sulla anche ma molto buongiorno"
    ),
    "ro": _words(
        "și în este sunt ce cum de ce când unde cine pentru cu pe la din nu da meu mea nostru noastră eu "
        "noi voi consiliul consiliu planul plan bună ziua mulțumesc salut care despre sau dar foarte "
        "că să fi am are"
    ),
    "nl": _words(
        "de het een is en wat hoe waarom wanneer waar wie voor met op van niet ik jij wij zij zijn heeft "
        "hebben wordt worden over bij naar uit ook maar raad plan hallo dank bedankt goedemorgen welke "
        "mijn onze"
    ),
    "lt": _words(
        "ir yra kas kaip kodėl kada kur kam su į iš ne aš mes jūs jie tai šis ši mano mūsų taryba "
        "planas labas ačiū sveiki koks kokia kokie kokios apie bet ar"
    ),
}
_ENGLISH_COMMON = _words(
    "a an i in is it on at up as am are be no me my we he she so to do go or of if us was will come "
    "die hat plan hay pan con dove men fin sin son tan per pie ten den van has had his her him our out "
    "one two not but all can may see she who why how what when where bin bus road"
)
# Words English shares with another language would make English text look foreign.
_STOPWORDS = {
    language: words if language == "en" else words - _ENGLISH_COMMON for language, words in _STOPWORDS.items()
}
_STOPWORDS["en"] = _STOPWORDS["en"] | _ENGLISH_COMMON
# Letters that all but settle the question.
_LETTERS: dict[str, str] = {
    "cy": "ŵŷẁẃẅỳ",
    "fr": "œêèàùûëïç",
    "es": "ñ¿¡",
    "de": "ßäöü",
    "pl": "łśżźćńąę",
    "pt": "ãõç",
    "it": "",
    "ro": "ășțâî",
    "nl": "",
    "lt": "ėųįūčšž",
}
# Greetings and thanks that settle the language of a one-word message.
_TELLTALE_WORDS: dict[str, frozenset[str]] = {
    "cy": frozenset({"diolch", "shwmae", "croeso", "hwyl"}),
    "fr": frozenset({"merci", "bonjour", "bonsoir", "salut"}),
    "es": frozenset({"gracias", "hola", "buenos", "buenas"}),
    "de": frozenset({"danke", "hallo", "tschüss", "guten"}),
    "pl": frozenset({"dziękuję", "dzięki", "cześć", "dzień"}),
    "pt": frozenset({"obrigado", "obrigada", "olá", "bom"}),
    "it": frozenset({"grazie", "ciao", "buongiorno", "buonasera"}),
    "ro": frozenset({"mulțumesc", "multumesc", "bună"}),
    "nl": frozenset({"bedankt", "dank", "goedemorgen", "hoi"}),
    "lt": frozenset({"ačiū", "labas", "sveiki"}),
}
# Writing systems other than Latin, by code-point range.
_SCRIPTS: tuple[tuple[str, int, int], ...] = (
    ("ar", 0x0600, 0x06FF),
    ("ru", 0x0400, 0x04FF),
    ("el", 0x0370, 0x03FF),
    ("hi", 0x0900, 0x097F),
    ("bn", 0x0980, 0x09FF),
    ("pa", 0x0A00, 0x0A7F),
    ("gu", 0x0A80, 0x0AFF),
    ("ta", 0x0B80, 0x0BFF),
    ("th", 0x0E00, 0x0E7F),
    ("zh", 0x4E00, 0x9FFF),
    ("ja", 0x3040, 0x30FF),
    ("ko", 0xAC00, 0xD7AF),
    ("he", 0x0590, 0x05FF),
)
_URDU_LETTERS = "ٹڈڑںےہھ"
_UKRAINIAN_LETTERS = "іїєґ"
_BULGARIAN_WORDS = _words("какво как защо къде кога кой съвет план здравей благодаря")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

NAMES: dict[str, str] = {
    "cy": "Welsh",
    "fr": "French",
    "es": "Spanish",
    "de": "German",
    "pl": "Polish",
    "pt": "Portuguese",
    "it": "Italian",
    "ro": "Romanian",
    "nl": "Dutch",
    "lt": "Lithuanian",
    "ar": "Arabic",
    "ur": "Urdu",
    "ru": "Russian",
    "uk": "Ukrainian",
    "bg": "Bulgarian",
    "el": "Greek",
    "hi": "Hindi",
    "bn": "Bengali",
    "pa": "Punjabi",
    "gu": "Gujarati",
    "ta": "Tamil",
    "th": "Thai",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "he": "Hebrew",
}
"""English names of the languages the detector knows."""

ANSWERS_IN_ENGLISH: dict[str, str] = {
    "cy": "Mae'r atebion yn Saesneg, ac yn dod o Gynllun Busnes y Cyngor.",
    "fr": "Les réponses sont en anglais et proviennent du plan d'action (Business Plan) du conseil.",
    "es": "Las respuestas están en inglés y se basan en el plan de actuación (Business Plan) del consejo.",
    "de": "Die Antworten sind auf Englisch und stammen aus dem Business Plan des Councils.",
    "pl": "Odpowiedzi są w języku angielskim i pochodzą z planu działania (Business Plan) rady.",
    "pt": "As respostas são em inglês e baseiam-se no plano de ação (Business Plan) do conselho.",
    "it": "Le risposte sono in inglese e si basano sul piano d'azione (Business Plan) del consiglio.",
    "ro": (
        "Răspunsurile sunt în limba engleză și se bazează pe planul de acțiune (Business Plan) "
        "al consiliului."
    ),
    "nl": "De antwoorden zijn in het Engels en komen uit het Business Plan van de raad.",
    "lt": "Atsakymai pateikiami anglų kalba ir remiasi tarybos veiklos planu (Business Plan).",
}
"""A fixed line, in the detected language, saying answers come in English from the Business Plan."""

MIN_SCRIPT_SHARE = 0.3
"""A non-Latin writing system must make up this share of the letters to decide the language."""
MIN_SCORE = 2
"""A language needs at least this score (stopword hits, with tell-tale letters counting double)."""


def _script_language(letters: str) -> str | None:
    counts: dict[str, int] = {}
    for char in letters:
        code = ord(char)
        for language, low, high in _SCRIPTS:
            if low <= code <= high:
                counts[language] = counts.get(language, 0) + 1
                break
    if not counts:
        return None
    language, count = max(counts.items(), key=lambda item: item[1])
    if count < MIN_SCRIPT_SHARE * len(letters):
        return None
    if language == "ar" and any(char in _URDU_LETTERS for char in letters):
        return "ur"
    if language == "ru":
        if any(char in _UKRAINIAN_LETTERS for char in letters.lower()):
            return "uk"
        if _BULGARIAN_WORDS & set(_WORD.findall(letters.lower())):
            return "bg"
    return language


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language when it is confidently not English, else None."""
    letters = "".join(char for char in text if char.isalpha())
    if not letters:
        return None
    script = _script_language(letters)
    if script is not None:
        return script
    words = [word.lower() for word in _WORD.findall(text)]
    if not words:
        return None
    lowered = text.lower()
    scores: dict[str, float] = {}
    for language, stopwords in _STOPWORDS.items():
        score: float = sum(1 for word in words if word in stopwords)
        if language != "en":
            score += 2 * sum(1 for char in lowered if char in _LETTERS.get(language, ""))
            score += 2 * sum(1 for word in words if word in _TELLTALE_WORDS.get(language, ()))
        scores[language] = score
    best = max(scores, key=lambda language: scores[language])
    if best == "en" or scores[best] < MIN_SCORE:
        return None
    # Mixed text (an English question with a foreign place name) stays English.
    if scores["en"] >= scores[best]:
        return None
    runner_up = max(score for language, score in scores.items() if language not in ("en", best))
    if scores[best] == runner_up and len(words) > 3:
        return None
    return best
