CREATE OR REPLACE FUNCTION public.order_day_totals_remove_failed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
begin
  update order_day_totals set spend_minor = spend_minor - old.total_minor, order_count = order_count - 1
  where account_id = old.buyer_id and day = (old.created_at at time zone 'UTC')::date;
  return null;
end
$function$;
