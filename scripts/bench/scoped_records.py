"""Records, tokens and filters of the scoped and filtered fan-out comparison (issues 18 and 19),
and what each client may receive, so the benchmark can check every client's count.

Record `sequence` (0, 1, ...) is public (no `merchant_id`) when sequence % 5 == 4 (20%); the
others belong to the merchants 0..merchants-1 in turn. Every record has `shop` "s<sequence % shops>".
Merchant m's token is "bench-merchant-<m>"; its merchant id, as realtimed and exportd derive it,
is base64(sha256(token)). Load client i presents token i % merchants (scoped run) or subscribes
with filter i % shops (filtered run), as `sio-bench load` hands its --token and --subscribe-filter
lists out round-robin.
"""
import base64
import hashlib
import json

VALUE_PAD = "x" * 40
OPERATOR_TOKEN = "bench-operator"


def merchant_token(merchant: int) -> str:
    return f"bench-merchant-{merchant}"


def merchant_id(token: str) -> str:
    """base64(sha256(token)), standard alphabet with padding: the merchant id of a token."""
    return base64.b64encode(hashlib.sha256(token.encode()).digest()).decode()


def shop_filter(shop: int) -> str:
    return f'value.shop = "s{shop}"'


class ScopedRecords:
    """The records of one comparison run and the counts each client may see."""

    def __init__(self, merchants: int, shops: int):
        self.merchants, self.shops = merchants, shops
        self.tokens = [merchant_token(m) for m in range(merchants)]
        self.ids = [merchant_id(token) for token in self.tokens]
        self.filters = [shop_filter(k) for k in range(shops)]

    @staticmethod
    def owner(sequence: int, merchants: int):
        """The merchant owning record `sequence`, or None for a public record."""
        if sequence % 5 == 4:
            return None
        return ((sequence // 5) * 4 + sequence % 5) % merchants

    def record(self, sequence: int) -> bytes:
        """A buyOffer-like JSON value like the plain benchmark's (about 280 bytes), with `shop` and
        (unless public) `merchant_id`."""
        value = {"amount": 1, "consumer_id": "M+vLAIwHTf3zXqLi1rd/S9AjcOJFGHS2LwQN6p6V7nI=", "http_code": 200,
                 "left_in_stock": 29, "offer_id": sequence % 97, "price": 35.0, "shop": f"s{sequence % self.shops}",
                 "uid": sequence, "pad": VALUE_PAD}
        owner = self.owner(sequence, self.merchants)
        if owner is not None:
            value["merchant_id"] = self.ids[owner]
        return json.dumps(value).encode()

    def expected(self, kind: str, produced: int, clients: int) -> list:
        """What each load client may receive of records 0..produced-1: all of them (plain), the
        public ones and its merchant's (scoped), or its shop's (filtered)."""
        if kind == "plain":
            return [produced] * clients
        if kind == "scoped":
            public = 0
            own = [0] * self.merchants
            for sequence in range(produced):
                owner = self.owner(sequence, self.merchants)
                if owner is None:
                    public += 1
                else:
                    own[owner] += 1
            return [public + own[i % self.merchants] for i in range(clients)]
        if kind == "filtered":
            per_shop = [0] * self.shops
            for sequence in range(produced):
                per_shop[sequence % self.shops] += 1
            return [per_shop[i % self.shops] for i in range(clients)]
        raise ValueError(kind)

    def load_arguments(self, kind: str) -> list:
        """The `sio-bench load` options that make its clients the run's clients."""
        if kind == "scoped":
            return [argument for token in self.tokens for argument in ("--token", token)]
        if kind == "filtered":
            return [argument for text in self.filters for argument in ("--subscribe-filter", text)]
        return []
