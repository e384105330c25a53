"""Pure rules: who may do what, small-cell suppression, note screening, password policy."""
