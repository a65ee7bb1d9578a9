/** How an order line is named to people (emails, carriers' labels): the product, and the variant unless it is the only one. */
export function orderItemName (item: { productName: string, variantTitle: string }): string {
  return item.variantTitle === '' || item.variantTitle === 'Default' ? item.productName : `${item.productName} (${item.variantTitle})`
}
