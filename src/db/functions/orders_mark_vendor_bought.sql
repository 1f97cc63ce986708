CREATE OR REPLACE FUNCTION public.orders_mark_vendor_bought()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    begin
      new.vendor_bought_at := clock_timestamp();
      return new;
    end
    $function$;
