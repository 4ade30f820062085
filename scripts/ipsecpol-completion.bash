# bash completion for ipsecpol and its netsh name.
#
# The candidates come from the program's own command table
# (`ipsecpol --complete WORDS...`), so this file holds no list of commands.
# Install as .../bash-completion/completions/ipsecpol (and a netsh link), or
# source it from ~/.bashrc.

_ipsecpol()
{
	local prog=$1 line words=() cur i last cands

	# The words from the start of the line to the cursor, with "=" kept
	# inside its word (bash splits at "=" itself).
	line=${COMP_LINE:0:COMP_POINT}
	read -r -a words <<<"$line"
	if [[ ${#line} -eq 0 || $line == *[[:space:]] ]]; then
		words+=("")
	fi
	cur=${words[${#words[@]} - 1]}

	# Options before the command words.
	last=$((${#words[@]} - 1))
	i=1
	while ((i < last)); do
		case ${words[i]} in
		--root | -f)
			if ((i + 1 == last)); then
				[[ ${words[i]} == --root ]] && COMPREPLY=($(compgen -d -- "$cur"))
				[[ ${words[i]} == -f ]] && COMPREPLY=($(compgen -f -- "$cur"))
				return
			fi
			((i += 2))
			;;
		--root=*) ((i++)) ;;
		*) break ;;
		esac
	done
	if ((i == last)) && [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "--root -f --help --version" -- "$cur"))
		return
	fi

	cands=$("$prog" --complete "${words[@]:i}" 2>/dev/null) || return
	local IFS=$'\n'
	COMPREPLY=($cands)
	unset IFS

	# bash replaces only the part after the last word break ("=" by default).
	if [[ $cur == *=* && $COMP_WORDBREAKS == *=* ]]; then
		local k
		for k in "${!COMPREPLY[@]}"; do
			COMPREPLY[k]=${COMPREPLY[k]#*=}
		done
	fi
	# "tag=" waits for its value.
	if [[ ${#COMPREPLY[@]} -eq 1 && $cands == *= ]]; then
		compopt -o nospace 2>/dev/null
	fi
}

complete -F _ipsecpol ipsecpol netsh
