CREATE OR REPLACE FUNCTION public.ledger_transfer(p_key text, p_kind text, p_metadata jsonb, p_actor uuid, p_channel text, p_accounts text[], p_currencies text[], p_amounts bigint[], p_audit jsonb)
 RETURNS TABLE(transfer_id uuid, created_at timestamp with time zone, replayed boolean)
 LANGUAGE plpgsql
AS $function$
begin
  -- plpgsql, not sql: a plpgsql body's plans stay cached in the session; a sql one is planned per call.
  return query
  select l.transfer_id, l.created_at, l.replayed
  from ledger_transfers(array[p_key], array[p_kind], array[p_metadata], array[p_actor], array[p_channel], array[p_audit],
                        array_fill(1, array[cardinality(p_accounts)]), p_accounts, p_currencies, p_amounts) l;
end
$function$;
