# Sourced by the Matrix benches: makes sure .build/test-tools/synapse has the matrix-synapse
# version the tests pin (Tests/MatrixSynapse/Synapse.swift), and sets $venv to it.
version=$(sed -n 's/.*static let version = "\([0-9.]*\)".*/\1/p' Tests/MatrixSynapse/Synapse.swift)
[ -n "$version" ] || { echo "bench: cannot read the Synapse version from Tests/MatrixSynapse/Synapse.swift" >&2; exit 1; }
venv=.build/test-tools/synapse
check="import importlib.metadata as m; assert m.version('matrix-synapse') == '$version'"
if ! "$venv/bin/python3" -c "$check" 2>/dev/null; then
    echo "bench: installing matrix-synapse==$version into $venv" >&2
    python3 -m venv --clear "$venv"
    "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "matrix-synapse==$version"
    "$venv/bin/python3" -c "$check"
fi
