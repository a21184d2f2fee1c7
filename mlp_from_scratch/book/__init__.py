"""What the book's chapters need besides the network: its plumbing, not its subject.

- :mod:`~mlp_from_scratch.book.display`: ``glue`` computed numbers into the prose,
  ``show_source`` the package's real code;
- :mod:`~mlp_from_scratch.book.results`: small JSON files that carry an
  experiment's numbers to the page that reports them;
- :mod:`~mlp_from_scratch.book.diagrams`: the schematic drawings (networks, the
  flow through a layer, computational graphs).

Nothing in :mod:`mlp_from_scratch` proper imports from here.
"""
