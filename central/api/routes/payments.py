"""Payment providers' callbacks: ``POST /payments/{provider}/notify``.

No bearer token: the provider's signature is what authenticates a callback, and the payment
service checks it (and audits every callback, verified or not). The answer is the one the
provider expects (WeChat Pay: 204 or 4xx JSON; Alipay: ``success``/``fail``; sandbox: 204 or 4xx).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from central.api.deps import PaymentsDep, StateDep
from central.payments import MAX_CALLBACK_BYTES

router = APIRouter(tags=["payments"])


async def callback_body(request: Request) -> bytes:
    """The raw body, read no further than one byte past the limit (the service refuses it then)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_CALLBACK_BYTES:
            break
    return b"".join(chunks)[:MAX_CALLBACK_BYTES + 1]


@router.post("/payments/{provider}/notify")
def notify(provider: Annotated[str, Path(max_length=16)], request: Request,
           body: Annotated[bytes, Depends(callback_body)], state: StateDep,
           payments: PaymentsDep) -> Response:
    """Committed before the answer leaves: a provider told "taken" must find it taken."""
    with state.database.transaction() as session:
        answer = payments.handle_callback(session, provider, request.headers, body)
    return Response(answer.body, status_code=answer.status_code, media_type=answer.media_type)
