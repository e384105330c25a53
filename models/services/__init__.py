"""One module per thing people do; each takes the acting person and checks what they may do."""
