CREATE OR REPLACE FUNCTION public.entries_transfer_balanced()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
declare
  v_unbalanced record;
begin
  select e.currency, sum(e.amount) as sum into v_unbalanced
  from entries e where e.transfer_id = new.transfer_id
  group by e.currency having sum(e.amount) <> 0
  limit 1;
  if found then
    raise exception 'transfer % does not balance: its % entries sum to %', new.transfer_id, v_unbalanced.currency, v_unbalanced.sum
      using errcode = 'check_violation', constraint = 'entries_transfer_balanced';
  end if;
  return null;
end
$function$;
