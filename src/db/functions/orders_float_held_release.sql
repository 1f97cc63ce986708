CREATE OR REPLACE FUNCTION public.orders_float_held_release()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    begin
      insert into vendor_float_held (book, currency, shard, held_minor)
      values (old.float_book, old.vendor_cost_currency, hashtext(old.id::text) & 15, -old.vendor_cost_minor)
      on conflict (book, currency, shard) do update set held_minor = vendor_float_held.held_minor + excluded.held_minor;
      return null;
    end
    $function$;
