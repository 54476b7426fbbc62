"""Staff accounts, for admins: who has one, with which role, and disabling or enabling them.

Disabling signs the account out everywhere. Accounts are created, and passwords and roles set,
on the command line (`make staff-account`, `python -m inbox.accounts`): a password never goes
through a page someone else is looking at.
"""

from sanic import Request
from sanic.response import HTTPResponse

from inbox.accounts import get_account, list_accounts, set_disabled
from inbox.views.common import not_found, notice_of, outcome, staff_id

PAGE = "/accounts"


async def page(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    accounts = await ctx.run(list_accounts, ctx.store.engine)
    return ctx.render(
        request, "accounts.html", accounts=accounts, me=staff_id(request), notice=notice_of(request)
    )


async def _set_disabled(request: Request, account_id: int, disabled: bool) -> HTTPResponse:
    ctx = request.app.ctx
    account = await ctx.run(get_account, ctx.store.engine, account_id)
    if account is None:
        return not_found(request)
    me = staff_id(request)
    if disabled and account.id == me:  # the last admin could lock everyone out of this page
        return outcome(request, PAGE, "not_yourself", status=409)
    await ctx.run(set_disabled, ctx.store.engine, account.email, disabled)
    action = "account_disabled" if disabled else "account_enabled"
    await ctx.run(ctx.store.audit, me, action, detail=f"account {account.id}")
    return outcome(request, PAGE, action)


async def disable(request: Request, staff_id: int) -> HTTPResponse:
    return await _set_disabled(request, staff_id, True)


async def enable(request: Request, staff_id: int) -> HTTPResponse:
    return await _set_disabled(request, staff_id, False)
