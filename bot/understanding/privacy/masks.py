"""The masks the redactor writes in place of each kind of personal data."""

from __future__ import annotations

#: what each kind is replaced with in stored text
MASKS: dict[str, str] = {
    "name": "[name]",
    "address": "[address]",
    "seed_phrase": "[seed phrase]",
    "password": "[password]",
    "code": "[code]",
    "cvv": "[cvv]",
    "card": "[card]",
    "wallet": "[wallet]",
    "iban": "[iban]",
    "email": "[email]",
    "phone": "[phone]",
    "id_number": "[id number]",
    "uid": "[uid]",
    "username": "[username]",
    "date_of_birth": "[date of birth]",
    # a birth year said alone ("born in 2008", "Год рождения 1995"): masked as a date of birth,
    # but the fact an age or a mismatch is told with, so the user is not warned about it
    "birth_year": "[date of birth]",
    "date": "[date]",
    "number": "[number]",
    "secret": "[secret]",
}
