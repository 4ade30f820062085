#!/usr/bin/env bash
# The bash completion asks the program (its command table) for candidates.
. "$(dirname "$0")/lib.sh"
. "$SRC/scripts/ipsecpol-completion.bash"
PATH=$BIN:$PATH

# comp LINE: COMPREPLY for LINE with the cursor at its end
comp() {
	COMP_LINE=$1
	COMP_POINT=${#1}
	read -r -a COMP_WORDS <<<"$1"
	[[ $1 == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_ipsecpol "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" ""
	GOT="${COMPREPLY[*]}"
}

comp "ipsecpol static add "
[ "$GOT" = "filter filteraction filterlist policy rule" ] || fail "static add: $GOT"
comp "ipsecpol static sh"
[ "$GOT" = "show" ] || fail "static sh: $GOT"
comp "netsh ipsec st"
[ "$GOT" = "static" ] || fail "netsh ipsec st: $GOT"
comp "ipsecpol --root /tmp static add filter filterlist=x pro"
[ "$GOT" = "protocol=" ] || fail "tag: $GOT"
# bash breaks words at "=": only the value part is offered
comp "ipsecpol static add filteraction action=bl"
[ "$GOT" = "block" ] || fail "value: $GOT"
comp "netsh ipsec dynamic set config property="
contains "$GOT" "bootmode"
contains "$GOT" "ikelogging"
comp "ipsecpol --r"
[ "$GOT" = "--root" ] || fail "option: $GOT"
echo PASS
