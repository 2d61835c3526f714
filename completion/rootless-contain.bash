# Shell completion for pseudo, contain and inject (the npm package
# rootless-contain), for bash, and for zsh through bashcompinit.
#
#   bash: source "$(npm root -g)/rootless-contain/completion/rootless-contain.bash"
#   zsh:  autoload -U +X compinit bashcompinit && compinit && bashcompinit
#         source "$(npm root -g)/rootless-contain/completion/rootless-contain.bash"
#
# It completes options, the fixed words some options take (network modes,
# signals), the names of your running containers (from contain --list
# --json), definition names, directories for DIR, and commands inside the
# container's root. test/completion.test.mjs holds these lists to each
# tool's --help and option table.

# Options that take a value, and flags, of each tool.
_rc_pseudo_valued='-u -g'
_rc_pseudo_flags='-h --help -V --version'
_rc_inject_valued='-e -u -w'
_rc_inject_flags='-h --help -V --version'
_rc_contain_valued='-e --env -f --file -g --gid-map -i --inside -o --outside -u --uid-map
  --network --name --hostname --bind --ro-bind --tmpfs -p --publish --stop-signal --stop-timeout
  --stop --attach --log'
_rc_contain_flags='-c --no-console -d --detach -n --init --read-only --ephemeral --host-loopback
  --list --json -h --help -V --version'
# The values of contain --network.
_rc_network_modes='none host pasta slirp4netns'
# Signals to ask a PID 1 to stop with: each init's own (SIGRTMIN+3 for
# systemd, SIGUSR2 for busybox init, SIGINT for sysvinit and runit), and
# others an init may take (SIGRTMIN+4: systemd's power-off).
_rc_signals='SIGTERM SIGINT SIGHUP SIGQUIT SIGUSR1 SIGUSR2 SIGPWR SIGWINCH SIGKILL SIGRTMIN+3 SIGRTMIN+4'
# Where a container's commands are looked for: PID 1's default PATH.
_rc_path='/usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin'

# _rc_reply WORD...: the words that start with $cur, one per line.
_rc_reply() {
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$*" -- "$cur"))
}

# _rc_nospace: no space after the completion (a directory to go on in).
_rc_nospace() {
  type compopt >/dev/null 2>&1 && compopt -o nospace 2>/dev/null
}

_rc_files() {
  type compopt >/dev/null 2>&1 && compopt -o filenames 2>/dev/null
  local IFS=$'\n'
  COMPREPLY=($(compgen -f -- "$cur"))
}

_rc_dirs() {
  type compopt >/dev/null 2>&1 && compopt -o filenames 2>/dev/null
  local IFS=$'\n'
  COMPREPLY=($(compgen -d -- "$cur"))
}

# _rc_has WORD LIST: whether WORD is one of the words of LIST.
_rc_has() {
  local list=" ${2//$'\n'/ } "
  case $list in *" $1 "*) return 0 ;; esac
  return 1
}

# _rc_takes_value TOOL OPTION: whether OPTION of TOOL takes a value: a
# long option, or the last letter of a cluster of short ones (-cdu).
_rc_takes_value() {
  local valued
  eval "valued=\$_rc_${1}_valued"
  case $2 in
    --*=*) return 1 ;;
    --*) _rc_has "$2" "$valued" ;;
    -?*) _rc_has "-${2: -1}" "$valued" && ! _rc_has_value_inside "$1" "$2" ;;
    *) return 1 ;;
  esac
}

# Whether a cluster of short options has its value in it: -uMAP, -cu0:1:1.
_rc_has_value_inside() {
  local valued i
  eval "valued=\$_rc_${1}_valued"
  for ((i = 1; i < ${#2} - 1; i++)); do
    _rc_has "-${2:i:1}" "$valued" && return 0
  done
  return 1
}

# The contain next to this inject (or pseudo), else the one in PATH.
_rc_contain() {
  case $1 in
    */*) [ -x "${1%/*}/contain" ] && { echo "${1%/*}/contain"; return; } ;;
  esac
  echo contain
}

# _rc_running CONTAIN FIELD: FIELD (name, pid, root) of every running
# container, from contain --list --json (one key a line).
_rc_running() {
  "$1" --list --json 2>/dev/null |
    sed -n "s/^ *\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p"
}

# _rc_root_of CONTAIN NAME|PID: the root of that running container.
_rc_root_of() {
  "$1" --list --json 2>/dev/null | awk -v want="$2" '
    /^ *"name": / { name = $2; gsub(/[",]/, "", name) }
    /^ *"pid": / { pid = $2; gsub(/,/, "", pid) }
    /^ *"pid1": / { pid1 = $2; gsub(/,/, "", pid1) }
    /^ *"root": / { root = $0; sub(/^ *"root": "/, "", root); sub(/",?$/, "", root)
                    if (want == name || want == pid || want == pid1) { print root; exit } }'
}

# _rc_definitions: the names of container definitions (NAME.ini).
_rc_definitions() {
  local dir file
  for dir in "${XDG_CONFIG_HOME:-$HOME/.config}/contain" /etc/contain; do
    for file in "$dir"/*.ini; do
      [ -f "$file" ] && file=${file##*/} && echo "${file%.ini}"
    done
  done
}

# _rc_in_root ROOT: candidates for a command in ROOT: an absolute path in
# it (a directory with its '/', a file with its space), or a program in
# its PATH directories.
_rc_in_root() {
  local root=${1%/} dir path IFS=$' \t\n'
  # Globs, not compgen -f: zsh's compgen completes the word on the line.
  if [[ $cur == /* ]]; then
    for path in "$root$cur"*; do
      [ -e "$path" ] || [ -L "$path" ] || continue
      path=${path#"$root"}
      if [ -d "$root$path" ] && [ ! -L "$root$path" ]; then
        echo "$path/"
      else
        echo "$path "
      fi
    done
  else
    for dir in $_rc_path; do
      for path in "$root$dir/$cur"*; do
        [ -x "$path" ] && [ ! -d "$path" ] && echo "${path##*/}"
      done
    done | sort -u
  fi
}

# _rc_scan TOOL: reads the words before the cursor as TOOL's parser does
# (options up to the first non-option, values of options that take one)
# and sets: rc_option (the option whose value is being completed, or ''),
# rc_operand (the index of the operand being completed, -1 for an option),
# rc_operands (the operands before it), rc_given (the options before it).
# "--opt" "=" "value", as bash splits --opt=value, counts as one word.
_rc_scan() {
  local tool=$1 i word pending= options=1 joined
  rc_option= rc_operand=-1 rc_operands=() rc_given=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [ "${COMP_WORDS[i + 1]}" = = ] && [[ $word == --* ]]; then
      # --opt=value: the value is the word after the '=', or the cursor's.
      rc_given+=("$word")
      if ((i + 2 >= COMP_CWORD)); then
        rc_option=$word
        [ "$cur" = = ] && cur=
        return
      fi
      i=$((i + 2))
      continue
    fi
    if [ -n "$pending" ]; then
      pending=
      continue
    fi
    if ((options)) && [[ $word == -?* ]] && [ "$word" != -- ]; then
      rc_given+=("$word")
      _rc_takes_value "$tool" "$word" && pending=$word
      continue
    fi
    [ "$word" = -- ] && ((options)) && { options=0; continue; }
    options=0
    rc_operands+=("$word")
  done
  if [ -n "$pending" ]; then
    rc_option=$pending
  elif ((options)) && [[ $cur == -* ]]; then
    rc_operand=-1
  else
    rc_operand=${#rc_operands[@]}
  fi
}

# _rc_options TOOL: every option of TOOL.
_rc_options() {
  local valued flags
  eval "valued=\$_rc_${1}_valued flags=\$_rc_${1}_flags"
  _rc_reply $valued $flags
}

# _rc_split_value: --opt=value typed as one word (zsh, or no '=' in
# COMP_WORDBREAKS): complete the value, and give back --opt= before it.
_rc_split_value() {
  rc_prefix=
  if [[ $cur == --*=* ]]; then
    rc_option=${cur%%=*}
    rc_prefix=$rc_option=
    cur=${cur#*=}
    return 0
  fi
  return 1
}

_rc_prefix() {
  local i
  for ((i = 0; i < ${#COMPREPLY[@]}; i++)); do COMPREPLY[i]=$rc_prefix${COMPREPLY[i]}; done
}

# The command after the container's root (or name), then its arguments.
_rc_command() {
  local root=$1 position=$2
  if ((position == 0)) && [ -n "$root" ] && [ -d "$root" ]; then
    local IFS=$'\n'
    COMPREPLY=($(_rc_in_root "$root"))
    [[ $cur == /* ]] && _rc_nospace
  else
    _rc_files
  fi
}

_pseudo() {
  local cur=${COMP_WORDS[COMP_CWORD]} rc_option rc_operand rc_operands rc_given rc_prefix
  COMPREPLY=()
  _rc_scan pseudo
  [ -n "$rc_option" ] && return
  if ((rc_operand < 0)); then
    _rc_options pseudo
  elif ((rc_operand == 0)); then
    local IFS=$'\n'
    COMPREPLY=($(compgen -c -- "$cur" | sort -u))
  elif type _command_offset >/dev/null 2>&1; then
    # bash-completion completes the command's own arguments.
    _command_offset $((COMP_CWORD - rc_operand))
  else
    _rc_files
  fi
}

_contain_value() {
  case $rc_option in
    --network) _rc_reply $_rc_network_modes ;;
    --stop-signal) _rc_reply $_rc_signals ;;
    --stop | --attach | --log) _rc_reply $(_rc_running "$(_rc_contain "${COMP_WORDS[0]}")" name) ;;
    --name) _rc_reply $(_rc_definitions) ;;
    -f | --file) _rc_files ;;
    --bind | --ro-bind) _rc_files ;;
    *) COMPREPLY=() ;;
  esac
}

_contain() {
  local cur=${COMP_WORDS[COMP_CWORD]} rc_option rc_operand rc_operands rc_given rc_prefix
  COMPREPLY=()
  if _rc_split_value; then
    _rc_takes_value contain "$rc_option" && _contain_value
    _rc_prefix
    return
  fi
  _rc_scan contain
  if [ -n "$rc_option" ]; then
    # A short option's value: -u, or the last letter of -cu.
    [[ $rc_option == --* ]] || rc_option=$(_rc_long_of "${rc_option: -1}")
    _contain_value
    return
  fi
  if ((rc_operand < 0)); then
    _rc_options contain
    return
  fi
  # An action on running containers, or a definition, takes no DIR.
  local word
  for word in "${rc_given[@]}"; do
    case $word in
      --list | --json | --stop | --stop=* | --attach | --attach=* | --log | --log=* | -h | --help | -V | --version) return ;;
    esac
  done
  for word in "${rc_given[@]}"; do
    case $word in
      -f | --file | --file=*) _rc_command "" 1; return ;;
    esac
  done
  if ((rc_operand == 0)); then
    _rc_dirs
  else
    _rc_command "${rc_operands[0]}" $((rc_operand - 1))
  fi
}

# The long name of one of contain's short options that take a value.
_rc_long_of() {
  case $1 in
    e) echo --env ;; f) echo --file ;; g) echo --gid-map ;; i) echo --inside ;;
    o) echo --outside ;; u) echo --uid-map ;; p) echo --publish ;;
  esac
}

_inject() {
  local cur=${COMP_WORDS[COMP_CWORD]} rc_option rc_operand rc_operands rc_given rc_prefix
  COMPREPLY=()
  _rc_scan inject
  [ -n "$rc_option" ] && return
  local contain
  contain=$(_rc_contain "${COMP_WORDS[0]}")
  if ((rc_operand < 0)); then
    _rc_options inject
  elif ((rc_operand == 0)); then
    # A name, or with a digit typed, the pid of a contain or of a PID 1
    # (or a name that starts with a digit).
    if [[ $cur == [0-9]* ]]; then
      _rc_reply $(_rc_running "$contain" pid) $(_rc_running "$contain" pid1) $(_rc_running "$contain" name)
    else
      _rc_reply $(_rc_running "$contain" name)
    fi
  else
    _rc_command "$(_rc_root_of "$contain" "${rc_operands[0]}")" $((rc_operand - 1))
  fi
}

complete -F _pseudo pseudo
complete -F _contain contain
complete -F _inject inject
